import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-provider-blackholed",
  title: "The provider is blackholed: the request goes out, nothing comes back (timeout on hop C)",
  incident: "incident 003 (backend hang until kill -9); incident 001 (timeouts)",
  category: "network",
  why: "A provider link that silently drops everything must be given up on within the backend's own bound, with an HTTP error.",
  script: stream(words("void", 3), 10),
  toxics: [{ hop: "C", type: "timeout", attributes: { timeout: 0 } }],
  requests: [{ timeoutMs: 15_000 }],
  checks: ["timely-give-up", "error-status-before-first-byte", "backend-logged-failure"],
  decidedBy: ["timely-give-up", "error-status-before-first-byte"],
});
