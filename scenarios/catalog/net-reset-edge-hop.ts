import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-reset-edge-hop",
  title: "The edge-to-backend connection is reset (reset_peer on hop B)",
  incident:
    "incident 003 (kill -9 on disconnect); incident 000 (nginx: upstream prematurely closed connection)",
  category: "network",
  why: "When the link between proxy and backend is reset, the backend must see its client is gone and stop the provider call.",
  script: stream(words("reset", 40), 80),
  toxics: [{ hop: "B", type: "reset_peer", attributes: { timeout: 600 } }],
  checks: [
    { check: "upstream-cancelled", options: { after: "probe-end", boundMs: 2500 } },
    "backend-survived",
  ],
  decidedBy: ["upstream-cancelled"],
});
