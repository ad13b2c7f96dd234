import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, stream } from "./_build.ts";

export default defineScenario({
  id: "mid-split-utf8",
  title: "A multibyte UTF-8 character is split across two writes",
  incident: "failure class: stream parsing (wire-formats B5); incident 001 (hand-rolled parsers)",
  category: "mid-stream",
  why: "Decoding each read on its own turns 'é' or '€' into replacement characters.",
  script: stream(["Grüße ", "aus ", "Köln ", "für ", "€5 ", "und ", "naïve ", "Tests "], 40, {
    faults: [{ fault: "split-utf8", at: { token: 2 }, gapMs: 25 }],
  }),
  checks: COMPLETE_ANSWER_CHECKS,
  decidedBy: ["answer-intact"],
});
