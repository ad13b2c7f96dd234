import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, COMPLETE_ANSWER_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "replay-openai-tool-calls",
  title: "A recorded OpenAI answer with text, then two parallel tool calls, replays through intact",
  incident:
    "failure class: event shapes beyond text (tool_calls deltas with content:null, arguments in fragments); incident 001 (hand-rolled parsers)",
  category: "baseline",
  why: "Tool-call chunks carry no text and a finish_reason of tool_calls: a relay that expects text in every chunk, or a done signal only after stop, breaks the answer that came before them.",
  script: {
    content: { cassette: new URL("./cassettes/openai-tool-calls.cassette.json", import.meta.url) },
  },
  checks: [...COMPLETE_ANSWER_CHECKS, "incremental-delivery"],
  decidedBy: [...COMPLETE_ANSWER_DECIDED_BY, "incremental-delivery"],
});
