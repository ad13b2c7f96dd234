import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, stream, words } from "./_build.ts";

export default defineScenario({
  id: "mid-tiny-writes",
  title: "One event arrives in many tiny writes",
  incident: "failure class: parsers that split SSE on \\n\\n per read (wire-formats B5)",
  category: "mid-stream",
  why: "An event split across TCP reads must be reassembled, not dropped or garbled.",
  script: stream(words("frag", 8), 40, {
    faults: [{ fault: "tiny-writes", at: { token: 3 }, size: 7, gapMs: 4 }],
  }),
  checks: COMPLETE_ANSWER_CHECKS,
  decidedBy: ["answer-intact"],
});
