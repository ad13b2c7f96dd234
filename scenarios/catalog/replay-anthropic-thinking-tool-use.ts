import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, COMPLETE_ANSWER_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "replay-anthropic-thinking-tool-use",
  title: "A recorded Anthropic answer with thinking, text and a tool_use block replays through intact",
  incident:
    "failure class: event shapes beyond text (thinking_delta, signature_delta, input_json_delta, stop_reason tool_use); incident 001 (hand-rolled parsers)",
  category: "baseline",
  why: "Most content_block_delta events carry no text: a relay that reads delta.text blindly, or treats tool_use as an error, loses or breaks the answer.",
  script: {
    content: { cassette: new URL("./cassettes/anthropic-thinking-tool-use.cassette.json", import.meta.url) },
  },
  checks: [...COMPLETE_ANSWER_CHECKS, "incremental-delivery"],
  decidedBy: [...COMPLETE_ANSWER_DECIDED_BY, "incremental-delivery"],
});
