/**
 * The bug switches: each one puts back exactly one behaviour from an incident write-up
 * (/work/shared/incidents, summarised in examples/README.md), so the harness can prove that the
 * scenario written for that incident fails when the bug is present. `BUGS=a,b` turns them on.
 */
export interface BugSwitch {
  /** Which incident this reintroduces, and where in it. */
  incident: string;
  /** What the backend does when the switch is on. */
  effect: string;
}

export const bugSwitches = {
  "headers-before-first-chunk": {
    incident: "000 issue 1, 002",
    effect:
      "commits 200 + SSE headers before contacting the upstream; a pre-stream failure becomes an in-stream marker",
  },
  "raise-mid-stream": {
    incident: "000 issue 2",
    effect:
      "a mid-stream upstream failure is logged, then the response is destroyed (no marker, no 0\\r\\n\\r\\n)",
  },
  "cleanup-error-marker": {
    incident: "000 issue 3",
    effect:
      "a problem after the finish reason (FIN/RST, missing terminator) appends the error marker to the complete answer",
  },
  "stream-options-always": {
    incident: "000 issue 4",
    effect: 'always sends stream_options: {"include_usage": true} to OpenAI-compatible upstreams',
  },
  "no-anti-buffering-headers": {
    incident: "001, 003",
    effect: "omits X-Accel-Buffering and Cache-Control, so nginx buffers the stream",
  },
  "no-upstream-cancel": {
    incident: "003 (kill -9 on disconnect)",
    effect: "ignores client disconnects and keeps reading the upstream to its end",
  },
  "no-keepalive": {
    incident: "001",
    effect: "never writes `: keepalive` comments, so idle proxies time the stream out",
  },
  "accounting-failure": {
    incident: "002",
    effect:
      "accounting runs before the done signal and throws without a usage chunk; the error marker follows the full answer",
  },
  "no-session-cancel": {
    incident: "003 (old responses appearing in new stream)",
    effect:
      "a new request on a session neither cancels nor isolates the old stream: both share one token channel",
  },
  "silent-errors": {
    incident: "000 issue 1 (zero errors in the logs)",
    effect: "upstream failures are not logged at all",
  },
  "naive-sse-split": {
    incident: "001 (hand-rolled parser), wire-formats B5",
    effect:
      'splits each read on "\\n\\n" without carrying partial events: split events and CRLF framing are lost',
  },
  "no-upstream-timeout": {
    incident: "001 (stalls)",
    effect: "no UPSTREAM_TIMEOUT_MS bound: waits forever on a silent upstream",
  },
  "crash-on-malformed": {
    incident: "000 (unhandled exception in the stream path)",
    effect: "a malformed upstream JSON event throws outside any handler and the process exits",
  },
} satisfies Record<string, BugSwitch>;

export type BugName = keyof typeof bugSwitches;

export function isBugName(name: string): name is BugName {
  return Object.hasOwn(bugSwitches, name);
}

export type Bugs = ReadonlySet<BugName>;
