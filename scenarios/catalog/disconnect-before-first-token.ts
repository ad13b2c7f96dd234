import { defineScenario } from "../scenario.ts";
import { words } from "./_build.ts";

export default defineScenario({
  id: "disconnect-before-first-token",
  title: "The client leaves while the provider is still thinking",
  incident: "incident 003 (cancellation while the agent task is blocked)",
  category: "client-disconnect",
  why: "A user who closes the tab before the first token must also stop the provider call.",
  script: {
    content: { tokens: words("slow", 5) },
    pacing: { firstTokenMs: 2500, intervalMs: 50 },
    finishReason: "stop",
  },
  requests: [{ disconnect: { afterMs: 500 } }],
  checks: ["upstream-cancelled", "backend-survived"],
  decidedBy: ["upstream-cancelled"],
});
