import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "session-second-request-supersedes",
  title: "A second request on the same session while the first still streams",
  incident:
    "incident 003 (old responses appearing in new stream; StreamRegistry cancels the previous stream)",
  category: "session-reuse",
  why: "The second answer must hold only its own tokens, and the first provider call must be cancelled.",
  script: stream(words("other", 3), 20),
  matchScripts: [
    { match: { bodyContains: "alpha-question" }, script: stream(words("alpha", 30), 100) },
    { match: { bodyContains: "bravo-question" }, script: stream(words("bravo", 8), 60) },
  ],
  requests: [
    { message: "alpha-question", sessionId: "session-1" },
    { message: "bravo-question", sessionId: "session-1", startAfterTokens: 3 },
  ],
  requires: ["sessions"],
  checks: [
    { check: "no-stale-tokens", options: { request: 1, foreign: 0 } },
    { check: "upstream-cancelled", options: { request: 0, after: "next-request" } },
    { check: "semantic-completion", options: { request: 1 } },
    { check: "answer-intact", options: { request: 1 } },
  ],
  decidedBy: ["no-stale-tokens", "upstream-cancelled"],
});
