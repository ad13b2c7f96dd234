import { defineScenario } from "../scenario.ts";
import { PRE_STREAM_CHECKS, PRE_STREAM_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-reset-provider-hop",
  title: "The network swallows the provider's answer, then resets the connection (reset_peer on hop C)",
  incident: "incident 000 issue 1 (SocketError: other side closed before the first chunk)",
  category: "network",
  // Toxiproxy's reset_peer forwards nothing while its timeout runs, then sends RST: to the backend
  // the provider never answered and then reset the connection.
  why: "A reset between backend and provider before any byte arrived must become an HTTP error, not a dropped connection.",
  script: stream(words("cut", 30), 60),
  toxics: [{ hop: "C", type: "reset_peer", attributes: { timeout: 500 } }],
  checks: PRE_STREAM_CHECKS,
  decidedBy: PRE_STREAM_DECIDED_BY,
});
