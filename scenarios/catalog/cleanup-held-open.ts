import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "cleanup-held-open",
  title: "The provider holds the connection open after its terminator",
  incident: "incident 003 (stream never ends, client waits)",
  category: "cleanup",
  why: "The terminator means done: the backend must finish the response then, not wait for the provider to hang up.",
  script: stream(words("held", 5), 40, {
    faults: [{ fault: "hold-open", at: { phase: "after-terminator" }, ms: 8_000 }],
  }),
  requests: [{ timeoutMs: 12_000 }],
  checks: [
    "semantic-completion",
    "no-false-error-marker",
    { check: "timely-give-up", options: { boundMs: 500 } },
  ],
  decidedBy: ["timely-give-up", "semantic-completion"],
});
