import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-latency-jitter",
  title: "The provider hop has 80 ms latency with 40 ms jitter",
  incident: "incident 003 (tokens delayed; ~20 events/s expected)",
  category: "network",
  why: "Real provider links are jittery; every token must still arrive, in order, as it comes.",
  script: stream(words("jitter", 10), 100),
  toxics: [{ hop: "C", type: "latency", attributes: { latency: 80, jitter: 40 } }],
  checks: [...COMPLETE_ANSWER_CHECKS, "incremental-delivery"],
  decidedBy: ["answer-intact", "incremental-delivery"],
});
