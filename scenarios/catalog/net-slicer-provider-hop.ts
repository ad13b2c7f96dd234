import { defineScenario } from "../scenario.ts";
import { COMPLETE_ANSWER_CHECKS, stream, words } from "./_build.ts";

export default defineScenario({
  id: "net-slicer-provider-hop",
  title: "The provider's bytes arrive in small slices (Toxiproxy slicer on hop C)",
  incident:
    "failure class: backends that split SSE on \\n\\n per read (wire-formats B5; incident 001's hand-rolled parsing)",
  category: "network",
  why: "TCP does not preserve event boundaries; a backend must reassemble events that arrive split across reads.",
  script: stream(words("slice", 8), 40),
  toxics: [{ hop: "C", type: "slicer", attributes: { average_size: 9, size_variation: 4, delay: 3000 } }],
  checks: COMPLETE_ANSWER_CHECKS,
  decidedBy: ["answer-intact"],
});
