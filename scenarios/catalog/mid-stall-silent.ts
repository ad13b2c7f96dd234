import { defineScenario } from "../scenario.ts";
import { DEMO_UPSTREAM_TIMEOUT_MS, stream, words } from "./_build.ts";

export default defineScenario({
  id: "mid-stall-silent",
  title: "The provider goes silent for 1.8 s mid-stream",
  incident: "incident 001 (keepalive comments every 15s; stalls and timeouts)",
  category: "mid-stream",
  why: "While the provider thinks, the backend must keep the client connection alive with keepalives.",
  script: stream(words("think", 6), 50, {
    faults: [{ fault: "stall", at: { token: 3 }, ms: Math.round(DEMO_UPSTREAM_TIMEOUT_MS * 0.6) }],
  }),
  requires: ["keepalives"],
  checks: ["keepalives-during-stall", "answer-intact", "semantic-completion", "no-false-error-marker"],
  decidedBy: ["keepalives-during-stall"],
});
