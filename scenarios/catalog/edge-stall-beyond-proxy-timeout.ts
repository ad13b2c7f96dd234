import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "edge-stall-beyond-proxy-timeout",
  title: "The provider stalls longer than the proxy's read timeout",
  incident: "incident 001 (keepalive comments never arrive through Caddy; stalls and timeouts)",
  category: "buffering",
  why: "nginx and Caddy cut a stream that is quiet longer than their read timeout (2 s here); only the backend's keepalives keep it alive.",
  script: stream(words("patient", 6), 50, { faults: [{ fault: "stall", at: { token: 3 }, ms: 2_600 }] }),
  edges: ["nginx", "caddy"],
  profiles: { nginx: "short-timeouts", caddy: "short-timeouts" },
  checks: ["keepalives-during-stall", "semantic-completion", "clean-termination", "answer-intact"],
  decidedBy: ["keepalives-during-stall", "clean-termination", "semantic-completion"],
});
