import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS } from "./_build.ts";

export default defineScenario({
  id: "net-slow-client",
  title: "A slow client reads at 24 KB/s (bandwidth on hop A)",
  incident: "failure class: back-pressure; incident 000 (90 KB bodies through nginx)",
  category: "network",
  why: "A client on a slow link must still get the whole answer: nothing dropped, nothing timed out, the backend unharmed.",
  script: { content: { chunks: 40, chunkSize: 1000 }, finishReason: "stop" },
  toxics: [{ hop: "A", type: "bandwidth", attributes: { rate: 24 } }],
  requests: [{ timeoutMs: 15_000 }],
  checks: [...COMPLETE_ANSWER_CHECKS, "backend-survived"],
  decidedBy: ["answer-intact"],
});
