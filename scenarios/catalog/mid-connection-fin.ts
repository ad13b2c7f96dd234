import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, MID_STREAM_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "mid-connection-fin",
  title: "The provider connection closes mid-stream (FIN)",
  incident: "incident 000 issue 2 (mid-stream failure cut the chunked encoding)",
  category: "mid-stream",
  why: "The provider closed without finishing: the answer is truncated; the client must get the error marker and a clean end.",
  script: stream(words("part", 8), 40, { faults: [{ fault: "fin", at: { token: 5 } }] }),
  checks: MID_STREAM_CHECKS,
  decidedBy: MID_STREAM_DECIDED_BY,
});
