import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "param-stream-options-groq",
  title: "A Groq-style provider rejects stream_options (400)",
  incident: "incident 000 issue 4 (Langdock rejected stream_options sent by pydantic-ai)",
  category: "rejected-params",
  why: "A strict OpenAI-compatible provider refuses unknown parameters; the backend must not send them.",
  script: stream(words("strict", 5), 30, {
    faults: [{ fault: "reject-param", param: "stream_options", style: "groq" }],
  }),
  checks: ["no-rejected-parameter", "semantic-completion", "no-false-error-marker"],
  decidedBy: ["no-rejected-parameter"],
});
