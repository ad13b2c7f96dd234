import { defineCheck, fail, pass } from "./check.ts";
import { endEvidence, exchangeAt, statusEvidence, timingEvidence } from "./evidence.ts";

/**
 * A provider that never answers (hang before headers, a blackholed network) must not hang the user:
 * the backend gives up within its own bound and says so.
 */
export default defineCheck({
  name: "timely-give-up",
  judgesTiming: true,
  description:
    "A silent provider is given up on within the backend's own bound (+ tolerance), with an error the client sees",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation } = exchange;
    const bound =
      (typeof options.boundMs === "number"
        ? options.boundMs
        : (context.backend.upstreamTimeoutMs ?? 30_000)) + 2_000;
    const answeredAt = observation.end.kind === "timeout" ? undefined : observation.end.t;
    const evidence = [statusEvidence(observation), endEvidence(observation)];
    if (answeredAt === undefined)
      return fail(
        `the client was still waiting when the probe gave up (${Math.round(observation.end.t - observation.startedAt)} ms)`,
        evidence,
      );
    const took = answeredAt - observation.startedAt;
    evidence.push(timingEvidence("request → response finished", took));
    if (took > bound)
      return fail(`the backend took ${Math.round(took)} ms to give up (bound ${bound} ms)`, evidence);
    return pass(`gave up after ${Math.round(took)} ms (bound ${bound} ms)`, evidence);
  },
});
