/**
 * Per-hop analysis: what crossed each tapped hop of one exchange (summarizeHop), where a fault first
 * became visible and what each later hop did to it (attributeHops), and how long each box held the
 * first byte (holdings). Pure functions of tap records (proxies/toxiproxy/taps): no lane, no I/O.
 */
export { type AttributeOptions, attributeHops } from "./attribute.ts";
export { holdings } from "./buffering.ts";
export { isBroken } from "./describe.ts";
export type {
  Holding,
  HopAttribution,
  HopFraming,
  HopMoment,
  HopOutcome,
  HopSpec,
  HopSummary,
  Judge,
  SemanticVerdict,
} from "./hop-types.ts";
export { markerJudge, providerStreamJudge } from "./judges.ts";
export { summarizeHop } from "./summarize-hop.ts";
