import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-reset-client-hop",
  title: "The client's connection is reset mid-stream (reset_peer on hop A)",
  incident: "incident 003 (backend keeps streaming after the client is gone)",
  category: "network",
  why: "When the network drops the client, the backend must notice (through the proxy) and stop its provider call.",
  script: stream(words("lost", 40), 80),
  toxics: [{ hop: "A", type: "reset_peer", attributes: { timeout: 600 } }],
  checks: [
    { check: "upstream-cancelled", options: { after: "probe-end", boundMs: 2000 } },
    "backend-survived",
  ],
  decidedBy: ["upstream-cancelled"],
});
