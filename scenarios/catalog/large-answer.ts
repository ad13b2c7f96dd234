import { defineScenario } from "../scenario.ts";

export default defineScenario({
  id: "large-answer",
  title: "A 90 KB answer arrives whole",
  incident: "incident 000 issue 2 (bytesRead: 90766 before the failure)",
  category: "baseline",
  why: "Large answers cross many TCP reads and proxy buffers; none of it may be lost or reordered.",
  script: { content: { chunks: 90, chunkSize: 1000 }, finishReason: "stop" },
  checks: ["clean-termination", "semantic-completion", "answer-intact", "no-false-error-marker"],
  decidedBy: ["answer-intact"],
});
