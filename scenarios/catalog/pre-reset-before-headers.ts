import { defineScenario } from "../scenario.ts";
import { PRE_STREAM_CHECKS, PRE_STREAM_DECIDED_BY } from "./_build.ts";

export default defineScenario({
  id: "pre-reset-before-headers",
  title: "The provider resets the connection before headers",
  incident: "incident 000 issue 1 (SocketError: other side closed)",
  category: "pre-stream",
  why: "The provider hung up (TCP RST) before answering; the backend must turn that into an HTTP error.",
  script: { content: { tokens: ["never "] }, faults: [{ fault: "reset-before-headers" }] },
  checks: PRE_STREAM_CHECKS,
  decidedBy: PRE_STREAM_DECIDED_BY,
});
