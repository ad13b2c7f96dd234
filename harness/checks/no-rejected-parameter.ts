import { isRecord } from "../contracts/contract.ts";
import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { journalEvidence } from "./evidence.ts";

/**
 * Incident 000 issue 4: a client library started sending `stream_options` and a strict
 * OpenAI-compatible provider rejected every request. The backend must not send a parameter the
 * configured provider refuses.
 */
export default defineCheck({
  name: "no-rejected-parameter",
  description: "No request to the provider carried a parameter the provider rejects (e.g. stream_options)",
  run(context, options) {
    const param = typeof options.param === "string" ? options.param : "stream_options";
    if (context.journal.length === 0) {
      return notApplicable(`the backend made no provider call, so none could carry "${param}"`);
    }
    const offending = context.journal.filter((entry) => isRecord(entry.body) && param in entry.body);
    if (offending.length) {
      return fail(
        `${offending.length} provider call(s) carried "${param}", which this provider rejects`,
        offending.map(journalEvidence),
      );
    }
    return pass(
      `none of ${context.journal.length} provider call(s) carried "${param}"`,
      context.journal.slice(0, 2).map(journalEvidence),
    );
  },
});
