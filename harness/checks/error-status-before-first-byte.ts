import { defineCheck, fail, pass } from "./check.ts";
import { bytesEvidence, endEvidence, exchangeAt, header, statusEvidence } from "./evidence.ts";

/**
 * Incident 000 issue 1 / incident 002: a provider failing before the first token must reach the
 * browser as an HTTP error with a JSON body, not as a 200 that breaks, not as a silent socket close
 * (which nginx turns into its own HTML 502 page).
 */
export default defineCheck({
  name: "error-status-before-first-byte",
  description:
    "A failure before the first token is an HTTP 4xx/5xx with a JSON body (not a 200, not a proxy's HTML page, not a dropped connection)",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation } = exchange;
    const evidence = [
      statusEvidence(observation),
      endEvidence(observation),
      bytesEvidence("body (head)", observation.body, 200, "head"),
    ];
    const response = observation.response;
    if (!response) {
      return fail(
        `no HTTP response at all: the connection ended (${observation.end.kind}) before a status line; a browser sees "network error"`,
        evidence,
      );
    }
    if (response.statusCode < 400) {
      return fail(
        `status ${response.statusCode} was committed although the provider failed before the first token; the browser cannot see an HTTP error`,
        evidence,
      );
    }
    const contentType = header(observation, "content-type") ?? "";
    const text = observation.text.trim();
    if (/<html|<center>|<!doctype/i.test(text)) {
      return fail(
        `status ${response.statusCode} is a proxy's HTML error page, not the backend's answer: the backend closed the connection without responding`,
        evidence,
      );
    }
    if (!/json/i.test(contentType)) {
      return fail(
        `status ${response.statusCode} but Content-Type is "${contentType || "missing"}", not JSON: clients cannot show the error`,
        evidence,
      );
    }
    try {
      JSON.parse(text);
    } catch {
      return fail(`status ${response.statusCode} with a body that is not valid JSON`, evidence);
    }
    if (!observation.complete) {
      return fail(
        `status ${response.statusCode} with a JSON body that was cut off (${observation.end.kind})`,
        evidence,
      );
    }
    return pass(`HTTP ${response.statusCode} with a JSON error body before any stream byte`, evidence);
  },
});
