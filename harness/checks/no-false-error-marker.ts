import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { bytesEvidence, exchangeAt, journalEvidence } from "./evidence.ts";

/**
 * Incident 000 issue 3 and incident 002: a cleanup or accounting failure after the answer was
 * complete must not append an error marker, or users see a false error under a good answer.
 */
export default defineCheck({
  name: "no-false-error-marker",
  description: "A complete answer carries no error marker, even when cleanup after it failed",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { view, observation } = exchange;
    // A marker is false only under an answer the provider completed: without the provider's side
    // (no call matched, or it refused the request) there is nothing to call false, and without a
    // response there is nothing marked. Never a pass for having seen nothing.
    if (!observation.response) {
      return notApplicable(
        `no response reached the client (${observation.end.kind}), so there was no answer to mark`,
      );
    }
    if (exchange.upstream.length === 0) {
      return notApplicable(
        "no provider call was matched to this request, so whether its answer was complete is unknown",
      );
    }
    const answered = exchange.upstream.filter((entry) => entry.status !== undefined && entry.status < 400);
    if (answered.length === 0) {
      const statuses = exchange.upstream.map((entry) => entry.status ?? "no answer").join(", ");
      return notApplicable(
        `the provider did not answer this request (${statuses}), so an error marker would not be false`,
        exchange.upstream.map(journalEvidence),
      );
    }
    const evidence = [
      ...exchange.upstream.map(journalEvidence),
      bytesEvidence("last bytes at the probe", observation.body),
    ];
    if (view.errorMarker) {
      return fail(
        `error marker after a complete answer: ${JSON.stringify(view.errorMarker.message).slice(0, 160)}`,
        [
          ...evidence,
          {
            kind: "bytes",
            label: "marker",
            value: view.errorMarker.raw.slice(0, 200),
            t: view.errorMarker.t,
          },
        ],
      );
    }
    if (observation.response.statusCode >= 400) {
      return fail(`HTTP ${observation.response.statusCode} for an answer the provider completed`, evidence);
    }
    return pass(`no error marker on the ${view.text.length}-character answer`, evidence);
  },
});
