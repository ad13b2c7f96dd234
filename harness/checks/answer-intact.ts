import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, journalEvidence, upstreamText } from "./evidence.ts";

/**
 * Every token the provider sent reaches the client, byte for byte: catches parsers that split SSE
 * on "\n\n" per read, mangle a UTF-8 character split across writes, or lose CRLF-framed events.
 */
export default defineCheck({
  name: "answer-intact",
  description: "The answer at the client equals the text the provider streamed",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    // Never a pass without something to compare: a backend that rewrote the user's message (so its
    // provider call cannot be matched by nonce) or whose provider sent no token proves nothing here.
    if (exchange.upstream.length === 0) {
      return notApplicable(
        "no provider call was matched to this request, so there is nothing to compare the answer with",
      );
    }
    const expected = upstreamText(exchange.upstream);
    if (!expected) {
      return notApplicable(
        "the provider streamed no content for this request, so there is nothing to compare the answer with",
        exchange.upstream.map(journalEvidence),
      );
    }
    const actual = exchange.view.text;
    if (actual === expected) return pass(`all ${expected.length} characters arrived intact`);
    let at = 0;
    while (at < expected.length && at < actual.length && expected[at] === actual[at]) at++;
    const context20 = (s: string) => JSON.stringify(s.slice(Math.max(0, at - 20), at + 40));
    return fail(
      `answer differs from what the provider sent at character ${at} (expected ${expected.length} chars, got ${actual.length})`,
      [
        { kind: "bytes", label: "provider sent (around the difference)", value: context20(expected) },
        { kind: "bytes", label: "client got (around the difference)", value: context20(actual) },
      ],
    );
  },
});
