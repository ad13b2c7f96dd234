import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "mid-idle-timeout",
  title: "The provider stops sending mid-stream and never resumes",
  incident: "incident 003 (backend hang until kill -9)",
  category: "mid-stream",
  why: "A provider that goes silent for good must be given up on: error marker, clean end, within the backend's bound.",
  script: stream(words("halt", 6), 40, { faults: [{ fault: "stall", at: { token: 3 }, ms: 12_000 }] }),
  requests: [{ timeoutMs: 15_000 }],
  checks: ["error-marker-after-failure", "clean-termination", "timely-give-up", "backend-logged-failure"],
  decidedBy: ["error-marker-after-failure", "clean-termination", "timely-give-up"],
});
