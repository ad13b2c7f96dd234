import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, MID_STREAM_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "mid-provider-error-event",
  title: "The provider sends its own error event mid-stream",
  incident: "incident 000 issue 2 (mid-stream failure cut the chunked encoding)",
  category: "mid-stream",
  why: "The provider reported an error in-band after tokens went out; the client must get the error marker and a clean end.",
  script: stream(words("part", 8), 40, { faults: [{ fault: "error-event", at: { token: 5 } }] }),
  checks: MID_STREAM_CHECKS,
  decidedBy: MID_STREAM_DECIDED_BY,
});
