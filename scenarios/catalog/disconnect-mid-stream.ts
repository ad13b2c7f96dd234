import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "disconnect-mid-stream",
  title: "The client leaves after 4 events",
  incident: "incident 003 (backend keeps streaming after disconnect, needs kill -9)",
  category: "client-disconnect",
  why: "Tokens nobody reads still cost money and hold a slot: the provider call must stop when the client leaves.",
  script: stream(words("gone", 40), 100),
  requests: [{ disconnect: { afterEvents: 4 } }],
  checks: ["upstream-cancelled", "backend-survived"],
  decidedBy: ["upstream-cancelled"],
});
