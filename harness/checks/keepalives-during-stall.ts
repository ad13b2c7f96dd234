import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, timingEvidence } from "./evidence.ts";

/**
 * Incident 001: a provider that goes silent (queueing, long thinking) lets proxies and clients time
 * the stream out unless the backend keeps it alive. The client must see some byte at least every
 * ~2x the backend's keepalive interval through the whole stall.
 */
export default defineCheck({
  name: "keepalives-during-stall",
  description:
    "During a provider stall the client keeps receiving keepalives (no silence longer than 2x the keepalive interval)",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    if (!context.contract.capabilities.keepalives) {
      return notApplicable(
        `the ${context.contract.name} contract declares no keepalives (capabilities.keepalives; its ${context.contract.framing} framing)`,
      );
    }
    const { observation } = exchange;
    if (!observation.response || observation.response.statusCode >= 300)
      return notApplicable("no streaming response");
    const interval = context.backend.keepaliveMs;
    const maxGap =
      typeof options.maxGapMs === "number"
        ? options.maxGapMs
        : interval !== undefined
          ? interval * 2 + 400
          : 2000;
    const times = observation.bodyReads.map((read) => read.t);
    let longest = 0;
    let longestAt = observation.response.headersAt;
    let previous = observation.response.headersAt;
    for (const t of times) {
      if (t - previous > longest) {
        longest = t - previous;
        longestAt = previous;
      }
      previous = t;
    }
    const keepalives = exchange.view.keepalives.length;
    const evidence = [
      timingEvidence("longest silence at the client", longest, longestAt),
      timingEvidence("allowed silence", maxGap),
      { kind: "note" as const, label: "keepalive comments received", value: String(keepalives) },
    ];
    if (longest > maxGap) {
      return fail(
        `the client got nothing for ${Math.round(longest)} ms during the provider stall (allowed ${Math.round(maxGap)} ms): proxies and clients will time out`,
        evidence,
      );
    }
    return pass(`longest silence ${Math.round(longest)} ms, ${keepalives} keepalives`, evidence);
  },
});
