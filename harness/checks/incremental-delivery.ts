import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, timingEvidence } from "./evidence.ts";

/**
 * Incident 003 ("tokens still delayed 2-3 seconds") and incident 001 (Caddy buffering): tokens must
 * reach the client as the provider produces them. Compared against the fake's own emission times, so
 * a slow provider is not blamed on the stack: the first token's lag must be small, and the tokens must
 * arrive spread out like they were sent, not in one burst at the end.
 */
export default defineCheck({
  name: "incremental-delivery",
  judgesTiming: true,
  description:
    "Tokens arrive as the provider emits them: small first-token lag, arrival spread similar to emission spread",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const emitted = exchange.upstream.flatMap((entry) => entry.events.filter((e) => e.kind === "content"));
    const arrived = exchange.view.tokens;
    if (emitted.length < 3 || arrived.length < 1) {
      return notApplicable(
        `too few tokens to judge pacing (${emitted.length} emitted, ${arrived.length} arrived)`,
      );
    }
    const firstEmit = emitted[0]!.t;
    const lastEmit = emitted.at(-1)!.t;
    const emitSpread = lastEmit - firstEmit;
    const firstLag = arrived[0]!.t - firstEmit;
    const arriveSpread = arrived.at(-1)!.t - arrived[0]!.t;
    const maxFirstLag =
      typeof options.maxFirstLagMs === "number" ? options.maxFirstLagMs : Math.max(400, emitSpread * 0.25);
    const evidence = [
      timingEvidence("first token: provider emitted → client received", firstLag, arrived[0]!.t),
      timingEvidence("provider emission spread (first → last token)", emitSpread),
      timingEvidence("client arrival spread (first → last token)", arriveSpread),
      {
        kind: "note" as const,
        label: "tokens",
        value: `${emitted.length} emitted, ${arrived.length} reads/events at the client`,
      },
    ];
    if (firstLag > maxFirstLag) {
      return fail(
        `the first token was held ${Math.round(firstLag)} ms (bound ${Math.round(maxFirstLag)} ms): something buffers the stream`,
        evidence,
      );
    }
    if (emitSpread >= 300 && arriveSpread < emitSpread * 0.5) {
      return fail(
        `tokens emitted over ${Math.round(emitSpread)} ms arrived within ${Math.round(arriveSpread)} ms: delivered in bursts, not as produced`,
        evidence,
      );
    }
    return pass(
      `first token after ${Math.round(firstLag)} ms; arrival spread ${Math.round(arriveSpread)} ms vs emission ${Math.round(emitSpread)} ms`,
      evidence,
    );
  },
});
