import { defineCheck, fail, notApplicable, pass } from "./check.ts";

/**
 * Incident 003 ("old responses appearing in new stream"): a second request on the same session must
 * never receive tokens produced for the first one.
 */
export default defineCheck({
  name: "no-stale-tokens",
  description: "A request receives none of the tokens produced for an earlier request of the same session",
  run(context, options) {
    const requestIndex = typeof options.request === "number" ? options.request : 1;
    const foreignIndex = typeof options.foreign === "number" ? options.foreign : 0;
    const exchange = context.exchanges[requestIndex];
    const foreign = context.exchanges[foreignIndex];
    if (!exchange || !foreign) return notApplicable("the scenario did not make both requests");
    const foreignTokens = new Set(
      foreign.upstream
        .flatMap((entry) => entry.events)
        .filter((e) => e.kind === "content" && e.text?.trim())
        .map((e) => e.text!.trim()),
    );
    if (foreignTokens.size === 0) return notApplicable("the earlier request produced no tokens");
    if (!exchange.view.text) {
      return notApplicable(
        `request ${requestIndex + 1} received no answer text, so no token could leak into it`,
      );
    }
    // Substring match: text contracts deliver reads, not tokens, so one read may hold several tokens.
    const leaked = [...foreignTokens].filter(
      (token) => token.length >= 4 && exchange.view.text.includes(token),
    );
    const evidence = [
      {
        kind: "bytes" as const,
        label: `request ${requestIndex + 1} text (head)`,
        value: JSON.stringify(exchange.view.text.slice(0, 160)),
      },
    ];
    if (leaked.length) {
      return fail(
        `request ${requestIndex + 1} received ${leaked.length} token(s) of request ${foreignIndex + 1}, e.g. ${JSON.stringify(leaked[0])}`,
        evidence,
      );
    }
    return pass(
      `none of the ${foreignTokens.size} tokens of request ${foreignIndex + 1} reached request ${requestIndex + 1}'s ${exchange.view.text.length}-character answer`,
      evidence,
    );
  },
});
