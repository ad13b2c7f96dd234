import { defineScenario } from "../scenario.ts";
import { stream, words } from "./_build.ts";

export default defineScenario({
  id: "happy-path",
  title: "A paced answer streams through intact",
  incident: "baseline for all incidents; incident 003 (tokens delayed), incident 001 (proxy buffering)",
  category: "baseline",
  why: "Everything else is measured against this: every token arrives as produced, with the done signal and a clean end.",
  script: stream(words("calm", 12), 100),
  checks: [
    "clean-termination",
    "semantic-completion",
    "no-false-error-marker",
    "answer-intact",
    "anti-buffering-headers",
    "incremental-delivery",
    "eventsource-no-replay",
  ],
  decidedBy: ["answer-intact", "incremental-delivery"],
});
