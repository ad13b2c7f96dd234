import { defineCheck, fail, pass } from "./check.ts";
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
    if (observation.response && observation.response.statusCode >= 400) {
      return fail(`HTTP ${observation.response.statusCode} for an answer the provider completed`, evidence);
    }
    return pass("no error marker", evidence);
  },
});
