import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, MID_STREAM_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "replay-openai-tool-calls-rst-mid-arguments",
  title: "The provider connection is reset inside a recorded tool call's arguments",
  incident:
    "incident 000 issue 2 (mid-stream failure cut the chunked encoding), replayed on a recorded tool-call stream",
  category: "mid-stream",
  why: "The text went out, then the connection died halfway through get_weather's arguments: the client must learn the answer broke (error marker, clean end), not be left with half a tool call.",
  script: {
    content: { cassette: new URL("./cassettes/openai-tool-calls.cassette.json", import.meta.url) },
    // Byte 7000 is inside event 20, the `", "` fragment of get_weather's arguments (`cassette show`).
    faults: [{ fault: "rst", at: { byte: 7000 } }],
  },
  checks: MID_STREAM_CHECKS,
  decidedBy: MID_STREAM_DECIDED_BY,
});
