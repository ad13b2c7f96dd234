import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-limit-edge-hop",
  title: "The edge-to-backend connection is closed after 500 bytes (limit_data on hop B)",
  incident: "incident 003 (kill -9 on disconnect); incident 000 (nginx upstream prematurely closed)",
  category: "network",
  why: "A connection cut between the proxy and the backend must not leave the backend streaming into the void.",
  script: stream(words("edge", 60), 50),
  toxics: [{ hop: "B", type: "limit_data", stream: "downstream", attributes: { bytes: 500 } }],
  checks: [
    { check: "upstream-cancelled", options: { after: "probe-end", boundMs: 2500 } },
    "backend-survived",
  ],
  decidedBy: ["upstream-cancelled"],
});
