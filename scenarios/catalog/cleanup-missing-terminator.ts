import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, COMPLETE_ANSWER_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "cleanup-missing-terminator",
  title: "The provider ends without its terminator after a complete answer",
  incident: "incident 000 issue 3 (cleanup error appended a false STREAM_ERROR to a complete answer)",
  category: "cleanup",
  why: "The answer was complete; what goes wrong after it must not show the user an error.",
  script: stream(words("done", 6), 40, {
    faults: [{ fault: "omit-terminator", at: { phase: "after-finish" } }],
  }),
  checks: COMPLETE_ANSWER_CHECKS,
  decidedBy: COMPLETE_ANSWER_DECIDED_BY,
});
