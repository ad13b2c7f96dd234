import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "mid-stall-silent",
  title: "The provider goes silent for 4 of the backend's keepalive intervals mid-stream",
  incident: "incident 001 (keepalive comments every 15s; stalls and timeouts)",
  category: "mid-stream",
  why: "While the provider thinks, the backend must keep the client connection alive with keepalives.",
  // Sized by the lane from the backend's keepaliveMs (harness/lane/backend-sizing.ts): long enough
  // that a backend sending no keepalive shows a silence beyond what its interval allows, short
  // enough that the backend's own upstream timeout does not end the stall first.
  script: stream(words("think", 6), 50, {
    faults: [{ fault: "stall", at: { token: 3 }, ms: { keepaliveIntervals: 4 } }],
  }),
  requires: ["keepalives"],
  checks: ["keepalives-during-stall", "answer-intact", "semantic-completion", "no-false-error-marker"],
  decidedBy: ["keepalives-during-stall"],
});
