import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, COMPLETE_ANSWER_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "cleanup-missing-usage",
  title: "The provider sends no usage after a complete answer",
  incident: "incident 002 (accounting failed after the 200 was sent)",
  category: "cleanup",
  why: "The answer was complete; what goes wrong after it must not show the user an error.",
  script: stream(words("done", 6), 40, { faults: [{ fault: "omit-usage", at: { phase: "after-finish" } }] }),
  checks: COMPLETE_ANSWER_CHECKS,
  decidedBy: COMPLETE_ANSWER_DECIDED_BY,
});
