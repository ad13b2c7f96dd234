import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, MID_STREAM_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "mid-fin-after-90kb",
  title: "The provider connection closes after 90 KB",
  incident: "incident 000 issue 2 (failed to pipe response, bytesRead: 90766)",
  category: "mid-stream",
  why: "After a large body has gone out, a truncation must still end with the error marker and a clean terminator.",
  script: {
    content: { chunks: 120, chunkSize: 1000 },
    finishReason: "stop",
    faults: [{ fault: "fin", at: { byte: 90_000 } }],
  },
  checks: MID_STREAM_CHECKS,
  decidedBy: MID_STREAM_DECIDED_BY,
});
