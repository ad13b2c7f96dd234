import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, MID_STREAM_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "replay-anthropic-thinking-fin-in-tool-use",
  title: "The provider closes the connection inside a recorded tool_use block",
  incident:
    "incident 000 issue 2 (mid-stream failure cut the chunked encoding), replayed on a recorded thinking + tool-use stream",
  category: "mid-stream",
  why: "Thinking and text were done and the tool input half streamed when the provider hung up: no message_delta, no message_stop. The client must get the error marker and a clean end.",
  script: {
    content: { cassette: new URL("./cassettes/anthropic-thinking-tool-use.cassette.json", import.meta.url) },
    // Event 64 is the `", "` input_json_delta, right after "Zürich" (`streamchaos cassette show`).
    faults: [{ fault: "fin", at: { event: 64 } }],
  },
  checks: MID_STREAM_CHECKS,
  decidedBy: MID_STREAM_DECIDED_BY,
});
