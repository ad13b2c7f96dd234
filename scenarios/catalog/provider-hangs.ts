import { defineScenario } from "../scenario.ts";

export default defineScenario({
  id: "provider-hangs",
  title: "The provider accepts the request and never answers",
  incident: "incident 003 (backend hang, kill -9); incident 001 (timeouts)",
  category: "slow-first-token",
  why: "A provider that never sends headers must not hang the user: the backend gives up within its own bound with an HTTP error.",
  script: { content: { tokens: ["never "] }, faults: [{ fault: "hang-before-headers", ms: 10_000 }] },
  requests: [{ timeoutMs: 15_000 }],
  checks: ["timely-give-up", "error-status-before-first-byte", "backend-logged-failure"],
  decidedBy: ["timely-give-up", "error-status-before-first-byte"],
});
