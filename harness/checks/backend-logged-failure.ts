import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { logEvidence } from "./evidence.ts";

const FAILURE_LINE = /\b(error|exception|traceback|warn(ing)?|fail(ed|ure)?)\b/i;

/**
 * Incident 000 ("backend logs show zero errors — completely silent failure"): when the provider
 * fails, the backend's own output must say so, or on-call has nothing to go on.
 */
export default defineCheck({
  name: "backend-logged-failure",
  description: "The backend's stdout/stderr mentions the provider failure during the scenario",
  run(context) {
    if (context.backendLogsCaptured === false) {
      return notApplicable(
        "the backend runs outside streamchaos (given by URL), so its logs are not captured",
      );
    }
    const lines = context.backendLogs.filter((line) => FAILURE_LINE.test(line.line));
    if (lines.length)
      return pass(`${lines.length} log line(s) report the failure`, logEvidence("backend log", lines, 3));
    return fail(
      "the backend logged nothing about the failure: a silent failure in production",
      logEvidence("backend log (last lines)", context.backendLogs, 5),
    );
  },
});
