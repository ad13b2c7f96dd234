import { defineScenario } from "../scenario.ts";
import { MID_STREAM_CHECKS, stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-reset-provider-hop",
  title: "The network resets the provider connection mid-stream (reset_peer on hop C)",
  incident: "incident 000 issue 2 (mid-stream failure: SocketError other side closed)",
  category: "network",
  why: "A reset between backend and provider after tokens went out must become the error marker and a clean end.",
  script: stream(words("cut", 30), 60),
  toxics: [{ hop: "C", type: "reset_peer", attributes: { timeout: 500 } }],
  checks: MID_STREAM_CHECKS,
});
