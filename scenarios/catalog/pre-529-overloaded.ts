import { defineScenario } from "../scenario.ts";
import { PRE_STREAM_CHECKS, PRE_STREAM_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "pre-529-overloaded",
  title: "The provider answers 529 overloaded before streaming",
  incident: "incident 000 issue 1; Anthropic's overloaded_error",
  category: "pre-stream",
  why: "Nothing was streamed yet, so the browser must get a real HTTP error with a JSON body, not a 200 that breaks or nginx's HTML 502.",
  script: { content: { tokens: ["never "] }, faults: [{ fault: "http-error", status: 529 }] },
  checks: PRE_STREAM_CHECKS,
  decidedBy: PRE_STREAM_DECIDED_BY,
});
