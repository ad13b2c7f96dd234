import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, words } from "./_build.ts";

export default defineScenario({
  id: "slow-first-token",
  title: "The provider takes 1.5 s to the first token",
  incident: "incident 001 (slow LLM processing, stalls and timeouts)",
  category: "slow-first-token",
  why: "A slow but healthy provider must not be mistaken for a failure: the answer arrives whole.",
  script: {
    content: { tokens: words("late", 6) },
    pacing: { firstTokenMs: 1500, intervalMs: 60 },
    finishReason: "stop",
  },
  checks: COMPLETE_ANSWER_CHECKS,
  decidedBy: ["answer-intact"],
});
