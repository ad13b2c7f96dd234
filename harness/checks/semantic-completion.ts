import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { bytesEvidence, endEvidence, exchangeAt } from "./evidence.ts";

/**
 * A clean chunked end proves nothing on its own: nginx's default HTTP/1.0 upstream turns a crash into
 * a clean `0\r\n\r\n` (wire-formats B1). Only the contract's done signal shows the answer is whole;
 * a final event without its blank line is dropped by every SSE parser (WHATWG, eventsource-parser).
 */
export default defineCheck({
  name: "semantic-completion",
  description: "The contract's done signal arrived and no final event was left unterminated",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation, view } = exchange;
    if (!context.contract.capabilities.doneSignal) {
      return notApplicable(
        `the ${context.contract.name} contract declares no done signal (capabilities.doneSignal), so a hidden truncation cannot be seen by its clients`,
      );
    }
    const evidence = [endEvidence(observation), bytesEvidence("last bytes at the probe", observation.body)];
    if (observation.sse.unterminatedTail) {
      evidence.push(bytesEvidence("final event without its blank line", observation.sse.unterminatedTail));
    }
    if (view.done && !observation.sse.unterminatedTail) {
      return pass(`done signal received (${view.done.raw.slice(0, 60)})`, evidence);
    }
    if (observation.sse.unterminatedTail) {
      return fail(
        "the final event has no terminating blank line: SSE parsers drop it, so the done signal is lost",
        evidence,
      );
    }
    return fail(
      `no done signal: the answer may be truncated (${view.tokens.length} tokens received)`,
      evidence,
    );
  },
});
