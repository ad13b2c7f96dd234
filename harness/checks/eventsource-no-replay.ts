import type { Evidence } from "../check-result.ts";
import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { consumerEvidence, endEvidence, exchangeAt, statusEvidence } from "./evidence.ts";

/**
 * A page reading the answer with `EventSource` gets a reconnect after every end of the stream that
 * its code did not close first: the browser re-sends the request by itself (with `Last-Event-ID`
 * when the stream had ids), so the backend calls the provider again for a message the user sent
 * once, and the page may show the answer twice. A careful page closes on the done signal or the
 * error marker; after a cut neither comes, and only the backend can make it come (its marker).
 * Judged on the browser client when the page used EventSource; otherwise not applicable, with why.
 */
export default defineCheck({
  name: "eventsource-no-replay",
  description:
    "A page reading the stream with EventSource (closing it on the done signal or error marker) is never made to re-send the request",
  cannotJudge: {
    h1: "EventSource runs only in the browser client",
    h2: "EventSource runs only in the browser client",
  },
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation, upstream } = exchange;
    const browser = observation.browser;
    if (!browser) return notApplicable("no browser observation: EventSource runs only in the browser client");
    const es = browser.eventSource;
    if (browser.api !== "eventsource" || !es)
      return notApplicable(
        `the page used fetch(), not EventSource: ${browser.eventSourceNotApplicable ?? "the request was made with fetch()"}`,
      );
    const providerCalls = upstream.length;
    const evidence: Evidence[] = [
      statusEvidence(observation),
      endEvidence(observation),
      ...consumerEvidence(observation),
      {
        kind: "note",
        label: "EventSource",
        value: [
          `new EventSource(${JSON.stringify(es.path)})`,
          `${es.events} event(s) reached its listeners`,
          `opened ${es.opens.length} time(s)`,
          `Chromium sent the request ${es.requestsSent} time(s)`,
          ...es.errors.map(
            (e, i) =>
              `error ${i + 1}: readyState ${e.readyState === 2 ? "CLOSED" : e.readyState === 0 ? "CONNECTING" : "OPEN"}`,
          ),
          `closed because: ${es.closedBecause}`,
        ].join("; "),
      },
      {
        kind: "journal",
        label: "provider calls for this message",
        value: `${providerCalls} call(s) carrying its nonce at the fake provider`,
      },
    ];
    const resent = Math.max(es.requestsSent - 1, es.reconnects);
    if (resent > 0) {
      const firstError = es.errors[0];
      const reopened = es.opens[1];
      const after =
        firstError && reopened !== undefined
          ? ` ${Math.round(reopened - firstError.t)}ms after the stream ended`
          : "";
      return fail(
        `EventSource re-sent the request ${resent} time(s) by itself${after}: the stream ended without the done signal or error marker the page closes on (${es.events} event(s) reached it); the provider was called ${providerCalls} time(s) for one message`,
        evidence,
      );
    }
    switch (es.closedBecause) {
      case "done-signal":
        return pass(
          `the page closed EventSource on the stream's own end signal after ${es.events} event(s); the request was sent once`,
          evidence,
        );
      case "failed":
        return pass(
          "EventSource failed for good (a non-200 status or another content type): the browser does not re-send",
          evidence,
        );
      case "no-reconnect":
        return pass(
          `the stream ended without an end signal, but the browser did not re-send the request within the reconnect window (${es.events} event(s) reached the page)`,
          evidence,
        );
      case "disconnect":
        return notApplicable(
          "the page closed EventSource itself (the scenario's user left): nothing could be re-sent",
          evidence,
        );
      default:
        return notApplicable(
          `the stream had not ended when the page stopped listening (${es.closedBecause}): a reconnect could not be observed`,
          evidence,
        );
    }
  },
});
