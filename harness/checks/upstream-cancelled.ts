import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, journalEvidence, timingEvidence } from "./evidence.ts";

/**
 * Incident 003 ("still require kill -9 on disconnect"): when the client leaves, the backend must
 * cancel its provider call, or it keeps paying for tokens nobody reads. Proven from the fake's side:
 * the SUT closed the upstream connection while the fake was still sending.
 */
export default defineCheck({
  name: "upstream-cancelled",
  description:
    "The backend closes its provider call within a bound after the client left (or was superseded)",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const boundMs = typeof options.boundMs === "number" ? options.boundMs : 1500;
    // "next-request": superseded by the session's next request; "probe-end": the client's connection
    // was cut by the network (a toxic on hop A or B), so the moment the probe saw it end is the trigger.
    const trigger =
      options.after === "next-request"
        ? context.exchanges[(typeof options.request === "number" ? options.request : 0) + 1]?.observation
            .startedAt
        : options.after === "probe-end"
          ? exchange.observation.end.t
          : exchange.observation.disconnect?.t;
    if (trigger === undefined)
      return notApplicable("the client never left and no later request superseded this one");
    const upstream = exchange.upstream;
    if (upstream.length === 0) return notApplicable("no provider call was made for this request");
    const evidence = upstream.map(journalEvidence);
    for (const entry of upstream) {
      if (
        entry.outcome !== "client-closed" &&
        entry.t.responseEnded !== undefined &&
        entry.t.responseEnded <= trigger
      ) {
        return notApplicable("the provider finished before the client left; nothing to cancel", evidence);
      }
      const close = entry.clientClose;
      if (!close?.duringResponse) {
        return fail(
          `the backend kept reading the provider after the client left (fake outcome: ${entry.outcome})`,
          evidence,
        );
      }
      const lag = close.t - trigger;
      evidence.push(timingEvidence("client left → backend closed the provider call", lag, close.t));
      if (lag > boundMs) {
        return fail(
          `the provider call was closed ${Math.round(lag)} ms after the client left (bound ${boundMs} ms)`,
          evidence,
        );
      }
    }
    return pass("the provider call was cancelled promptly", evidence);
  },
});
