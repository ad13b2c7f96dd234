import { defineScenario } from "../scenario.ts";
import { PRE_STREAM_CHECKS, PRE_STREAM_DECIDED_BY, stream, words } from "./_build.ts";

export default defineScenario({
  id: "pre-connection-refused",
  title: "The provider refuses the connection",
  incident: "incident 000 issue 1 (LLM connection fails inside the generator)",
  category: "pre-stream",
  why: "A provider endpoint that is down (ECONNREFUSED) must become an HTTP error, not a dropped connection.",
  script: stream(words("unused", 3), 10),
  down: ["C"],
  checks: PRE_STREAM_CHECKS,
  decidedBy: PRE_STREAM_DECIDED_BY,
});
