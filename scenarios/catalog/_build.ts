import type { ScriptJson } from "../scenario.ts";

/** Distinct words so a check can tell whose tokens reached which request. */
export function words(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(2, "0")} `);
}

export function stream(tokens: string[], intervalMs: number, extra: Partial<ScriptJson> = {}): ScriptJson {
  return {
    content: { tokens },
    pacing: { firstTokenMs: intervalMs, intervalMs },
    finishReason: "stop",
    ...extra,
  };
}

/** The checks every pre-stream failure must pass (incident 000 issue 1, incident 002). */
export const PRE_STREAM_CHECKS = [
  "error-status-before-first-byte",
  "backend-logged-failure",
  "backend-survived",
];

/** The checks every mid-stream failure must pass (incident 000 issue 2). */
export const MID_STREAM_CHECKS = [
  "error-marker-after-failure",
  "clean-termination",
  "backend-logged-failure",
  "backend-survived",
  // A page on EventSource must not be made to re-send the message (browser client only).
  "eventsource-no-replay",
];

/** What answers a pre-stream scenario: the client got a real HTTP error. */
export const PRE_STREAM_DECIDED_BY = ["error-status-before-first-byte"];

/** What answers a mid-stream scenario: the break was marked and the response still ended per its framing. */
export const MID_STREAM_DECIDED_BY = ["error-marker-after-failure", "clean-termination"];

/** A complete answer despite a cleanup problem (incident 000 issue 3). */
export const COMPLETE_ANSWER_CHECKS = [
  "no-false-error-marker",
  "semantic-completion",
  "clean-termination",
  "answer-intact",
  "eventsource-no-replay",
];

/**
 * What answers a cleanup scenario: the complete answer arrived whole and unmarked. Both need the
 * provider's answer for this request; when neither can see it, the scenario is inconclusive.
 */
export const COMPLETE_ANSWER_DECIDED_BY = ["no-false-error-marker", "answer-intact"];

/** The backend's own bound on a silent provider, as the bundled demo backends are configured. */
export const DEMO_UPSTREAM_TIMEOUT_MS = 3000;
export const DEMO_KEEPALIVE_MS = 400;
