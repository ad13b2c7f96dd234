import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import {
  bytesEvidence,
  consumerEvidence,
  describeBreak,
  endEvidence,
  exchangeAt,
  journalEvidence,
  statusEvidence,
} from "./evidence.ts";

/**
 * Incident 000 issue 2: once 200 went out, the only way to tell the browser the answer broke is the
 * contract's in-stream error marker. Without it the user sees a half answer as if it were whole.
 */
export default defineCheck({
  name: "error-marker-after-failure",
  description: "After a mid-stream failure the stream carries the contract's error marker",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation, view } = exchange;
    // In the browser, what counts is what reached the page: its text, and the error it caught.
    const inPage = observation.client === "browser";
    const evidence = [
      statusEvidence(observation),
      endEvidence(observation),
      bytesEvidence(
        inPage ? "last bytes that reached the page" : "last bytes at the probe",
        observation.body,
      ),
      ...(inPage ? consumerEvidence(observation) : []),
    ];
    if (!observation.response)
      return fail("no HTTP response: the connection ended before a status line", evidence);
    if (!context.contract.capabilities.errorMarker) {
      return notApplicable(
        `the ${context.contract.name} contract declares no error marker (capabilities.errorMarker), so a broken answer cannot be told apart from a whole one in the stream`,
        evidence,
      );
    }
    if (observation.response.statusCode >= 400) {
      return notApplicable(
        `the backend answered HTTP ${observation.response.statusCode} before streaming, so there is no stream to mark`,
        evidence,
      );
    }
    if (view.errorMarker) {
      return pass(
        `error marker ${inPage ? "reached the page" : "present"}: ${JSON.stringify(view.errorMarker.message).slice(0, 120)}`,
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
    // Say what broke, from the provider's side when it shows: a fault fired, or the call ended early.
    const faults = exchange.upstream.flatMap((entry) => entry.faults.map((f) => `${f.fault} at ${f.at}`));
    const broke = faults.length
      ? `the provider failed mid-stream (${faults.join(", ")})`
      : "the stream broke";
    const shown = inPage
      ? `no ${context.contract.name} error marker reached the page${observation.end.kind === "clean" ? "" : ` (${describeBreak(observation)})`}: it can only show a partial answer or a bare network error`
      : `the response carried no ${context.contract.name} error marker: the user is shown a partial answer as if complete`;
    return fail(`${broke} but ${shown}`, [...evidence, ...exchange.upstream.map(journalEvidence)]);
  },
});
