import type { ScenarioResult } from "./results.ts";

/**
 * Which scenarios each bug switch of the reference backends must fail, on the direct edge: the proof
 * that the harness catches what it claims. tests/catalog.int.test.ts runs every variant and asserts it
 * fails exactly these (no false alarm, no miss); docs/detection-matrix.md publishes it with the checks.
 */
const PRE_STREAM = [
  "pre-401-invalid-key",
  "pre-404-model-not-found",
  "pre-429-rate-limited",
  "pre-500-server-error",
  "pre-503-unavailable",
  "pre-529-overloaded",
  "pre-close-before-headers",
  "pre-connection-refused",
  "pre-reset-before-headers",
];
const MID_STREAM_FAILURES = [
  "mid-connection-fin",
  "mid-connection-rst",
  "mid-fin-after-90kb",
  "mid-idle-timeout",
  "mid-malformed-json",
  "mid-provider-error-event",
  // The same cut on a recorded tool-call stream (the Anthropic one runs on no bug variant's provider
  // but accounting-failure's, which it does not catch).
  "replay-openai-tool-calls-rst-mid-arguments",
];
const CLEANUP_AFTER_FINISH = [
  "cleanup-fin-after-finish",
  "cleanup-missing-terminator",
  "cleanup-rst-after-finish",
  "cleanup-unterminated-final-event",
];
/** Network faults on hop C that reach the backend as a provider failure before the first token. */
const PRE_STREAM_NETWORK = ["net-provider-blackholed", "net-reset-provider-hop"];
const REJECTED_PARAMS = [
  "param-stream-options-groq",
  "param-stream-options-mistral",
  "param-stream-options-one-api",
];

export const DETECTION_MATRIX: Record<string, string[]> = {
  "node-headers-before-first-chunk": [...PRE_STREAM, ...PRE_STREAM_NETWORK, "provider-hangs"],
  "node-raise-mid-stream": [...MID_STREAM_FAILURES, "net-limit-provider-hop"],
  "node-cleanup-error-marker": [
    "cleanup-fin-after-finish",
    "cleanup-missing-terminator",
    "cleanup-rst-after-finish",
  ],
  "node-stream-options-always": REJECTED_PARAMS,
  "node-no-anti-buffering-headers": ["happy-path"],
  "node-no-upstream-cancel": [
    "disconnect-before-first-token",
    "disconnect-mid-stream",
    "net-limit-client-hop",
    "net-limit-edge-hop",
    "net-reset-client-hop",
    "net-reset-edge-hop",
  ],
  "node-no-keepalive": ["mid-stall-silent"],
  "node-accounting-failure": ["cleanup-missing-usage"],
  "node-no-session-cancel": ["session-second-request-supersedes"],
  "node-silent-errors": [
    ...PRE_STREAM,
    ...PRE_STREAM_NETWORK,
    ...MID_STREAM_FAILURES,
    "net-limit-provider-hop",
    "provider-hangs",
  ],
  "node-naive-sse-split": ["large-answer", "mid-split-utf8", "mid-tiny-writes", "net-slicer-provider-hop"],
  "node-no-upstream-timeout": ["mid-idle-timeout", "net-provider-blackholed", "provider-hangs"],
  "node-crash-on-malformed": ["mid-malformed-json"],
  /** The FastAPI backend as incident 000 found it, before any of its four fixes. */
  "fastapi-naive": [
    ...PRE_STREAM,
    ...PRE_STREAM_NETWORK,
    "provider-hangs",
    ...MID_STREAM_FAILURES,
    "net-limit-provider-hop",
    ...CLEANUP_AFTER_FINISH,
    ...REJECTED_PARAMS,
    "happy-path",
  ],
};

/**
 * Where on the wire each failure of a variant first became visible (harness/hops), as counts over
 * its failing results: `hop B ×7, no hop broke ×2`. "No hop broke" is a fault in what the bytes
 * said (a wrong status, a false marker), not in how they were framed; "hops unavailable" a run
 * whose Toxiproxy recorded nothing.
 */
export function hopsCaughtAt(results: readonly ScenarioResult[]): string {
  const counts = new Map<string, number>();
  for (const result of results) {
    if (result.status !== "fail") continue;
    const origin = result.checks.find((c) => c.status === "fail" && c.hop)?.hop?.origin;
    const where = result.hops
      ? origin === undefined
        ? "no hop broke"
        : `hop ${origin}`
      : "hops unavailable";
    counts.set(where, (counts.get(where) ?? 0) + 1);
  }
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([where, n]) => `${where} ×${n}`)
    .join(", ");
}
