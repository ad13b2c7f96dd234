import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-limit-client-hop",
  title: "The client's connection is closed after 500 bytes (limit_data on hop A)",
  incident: "incident 003 (backend keeps streaming after the client is gone)",
  category: "network",
  why: "A client link that drops mid-answer must stop the provider call behind the proxy too.",
  script: stream(words("short", 60), 50),
  toxics: [{ hop: "A", type: "limit_data", stream: "downstream", attributes: { bytes: 500 } }],
  checks: [
    { check: "upstream-cancelled", options: { after: "probe-end", boundMs: 2500 } },
    "backend-survived",
  ],
  decidedBy: ["upstream-cancelled"],
});
