import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, MID_STREAM_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-limit-provider-hop",
  title: "The provider connection closes after 2 KB (limit_data on hop C)",
  incident: "incident 000 issue 2 (failed to pipe response mid-body)",
  category: "network",
  why: "A connection closed by the network mid-body looks like a provider FIN; the client must get the marker and a clean end.",
  script: stream(words("limit", 60), 20),
  toxics: [{ hop: "C", type: "limit_data", attributes: { bytes: 2048 } }],
  checks: MID_STREAM_CHECKS,
  decidedBy: MID_STREAM_DECIDED_BY,
});
