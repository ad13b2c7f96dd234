import type { ProbeObservation } from "../probe/observation.ts";
import { type CheckContext, defineCheck, type Exchange, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, journalEvidence, timingEvidence } from "./evidence.ts";

/** What ended the client's interest in the answer, in words that fit "after …". */
interface Trigger {
  t: number;
  /** e.g. "the client left (after 4 SSE events)". */
  event: string;
  /** Short form for the timing evidence, e.g. "client left". */
  label: string;
}

/**
 * Incident 003 ("still require kill -9 on disconnect"; "old responses appearing in new stream"):
 * when the client leaves, or a newer request on the same session supersedes this one, the backend
 * must cancel its provider call, or it keeps paying for tokens nobody reads. Proven from the fake's
 * side: the SUT closed the upstream connection while the fake was still sending.
 */
export default defineCheck({
  name: "upstream-cancelled",
  description:
    "The backend closes its provider call within a bound after the client left (or a newer request on its session superseded it)",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const boundMs = typeof options.boundMs === "number" ? options.boundMs : 1500;
    const trigger = triggerOf(context, exchange, options);
    if (typeof trigger === "string") return notApplicable(trigger);
    const upstream = exchange.upstream;
    if (upstream.length === 0) return notApplicable("no provider call was made for this request");
    const evidence = upstream.map(journalEvidence);
    let slowest = 0;
    for (const entry of upstream) {
      if (
        entry.outcome !== "client-closed" &&
        entry.t.responseEnded !== undefined &&
        entry.t.responseEnded <= trigger.t
      ) {
        return notApplicable(`the provider finished before ${trigger.event}; nothing to cancel`, evidence);
      }
      const close = entry.clientClose;
      if (!close?.duringResponse) {
        return fail(
          `the backend kept reading the provider after ${trigger.event} (fake outcome: ${entry.outcome})`,
          evidence,
        );
      }
      const lag = close.t - trigger.t;
      slowest = Math.max(slowest, lag);
      evidence.push(timingEvidence(`${trigger.label} → backend closed the provider call`, lag, close.t));
      if (lag > boundMs) {
        return fail(
          `the provider call was closed ${Math.round(lag)} ms after ${trigger.event} (bound ${boundMs} ms)`,
          evidence,
        );
      }
    }
    return pass(
      `the provider call was cancelled ${Math.round(slowest)} ms after ${trigger.event} (bound ${boundMs} ms)`,
      evidence,
    );
  },
});

/**
 * `after`: "next-request" (superseded by the session's next request), "probe-end" (the network cut
 * the stream, a toxic on hop A or B: the moment the probe saw it end), or by
 * default the probe hanging up on purpose. A string says why there is no trigger.
 */
function triggerOf(
  context: CheckContext,
  exchange: Exchange,
  options: Record<string, unknown>,
): Trigger | string {
  const { observation } = exchange;
  if (options.after === "next-request") {
    const index = typeof options.request === "number" ? options.request : 0;
    const next = context.exchanges[index + 1];
    if (!next) return "no later request on the same session was made, so nothing superseded this one";
    return {
      t: next.observation.startedAt,
      event: "the next request on the same session superseded it",
      label: "superseded",
    };
  }
  if (options.after === "probe-end") {
    // A cut between proxy and backend (hop B) may reach the client as a clean end: nginx's HTTP/1.0
    // upstream and Caddy close the chunked body properly. The moment the client saw the stream end
    // is the trigger whatever its kind; a provider that had finished by then is not applicable below.
    return {
      t: observation.end.t,
      event: `the network cut the stream (the client saw it end: ${describeEnd(observation)})`,
      label: "stream cut",
    };
  }
  if (!observation.disconnect) {
    return `the client never left: the response ended (${describeEnd(observation)}) before its disconnect trigger`;
  }
  return {
    t: observation.disconnect.t,
    event: `the client left (${observation.disconnect.reason})`,
    label: "client left",
  };
}

function describeEnd(observation: ProbeObservation): string {
  return observation.end.kind === "clean" ? "complete" : observation.end.kind;
}
