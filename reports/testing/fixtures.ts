import {
  type CheckResult,
  type RunResult,
  SCHEMA_VERSION,
  type ScenarioResult,
  type ScenarioStatus,
  summarize,
} from "../../harness/results.ts";

/**
 * RunResult fixtures for the reporter tests. The nasty evidence is what a hostile or broken
 * provider really puts on the wire: raw CRLF, NUL, ESC sequences, a bell, a form feed, markup
 * that closes a <script>, a CDATA terminator, a lone surrogate, backticks and pipes.
 */
export const T0 = Date.UTC(2026, 10, 21, 5, 0, 0);

export const NASTY =
  'data: {"x":1}\r\n\r\n\u0000\u001b[31mRED\u001b[0m\u0007\f</script><script>alert(1)</script>]]>\ud800 ``` | <b>&amp;';

export function check(
  name: string,
  status: CheckResult["status"],
  summary: string,
  evidence: CheckResult["evidence"] = [],
): CheckResult {
  return { check: name, status, summary, evidence };
}

export function result(
  id: string,
  status: ScenarioStatus,
  overrides: Partial<ScenarioResult> = {},
): ScenarioResult {
  return {
    scenario: {
      id,
      title: `Title of ${id}`,
      incident: "incident 000 issue 2",
      category: "pre-stream",
    },
    backend: "node-hardened",
    edge: "nginx",
    profile: "default",
    runtime: "local",
    lane: 0,
    status,
    startedAt: T0,
    durationMs: 1234.5,
    checks: [],
    timeline: [],
    ...overrides,
  };
}

export function run(results: ScenarioResult[], overrides: Partial<RunResult> = {}): RunResult {
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "streamchaos", version: "0.1.0" },
    startedAt: T0,
    finishedAt: T0 + 5000,
    durationMs: 5000,
    environment: { node: "v20.20.0", platform: "linux", runtime: "local", lanes: 2 },
    results,
    summary: summarize(results),
    ...overrides,
  };
}

export function passing(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "pass", {
    checks: [
      check("http-error-before-stream", "pass", "502 with a JSON error body before any byte of the stream"),
      check("no-hang", "not-applicable", "the client did not wait for an end"),
    ],
    timeline: [
      { t: T0 + 1, source: "probe", kind: "request", detail: "POST /v1/chat" },
      { t: T0 + 20, source: "fake", kind: "fault", detail: "http-error 500 before stream" },
      { t: T0 + 25, source: "probe", kind: "headers", detail: "HTTP/1.1 502" },
      { t: T0 + 26, source: "probe", kind: "end", detail: "clean end" },
    ],
    ...overrides,
  });
}

/** A failure whose evidence carries NASTY raw bytes, with timed evidence for the timeline. */
export function failing(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "fail", {
    checks: [
      check(
        "clean-chunked-termination",
        "fail",
        "expected 0\\r\\n\\r\\n after the error event; the body was cut",
        [
          { kind: "bytes", label: "last bytes at the probe", value: NASTY, t: T0 + 410.25 },
          { kind: "log", label: "nginx error.log", value: "upstream prematurely closed connection" },
        ],
      ),
      check("in-stream-error-marker", "pass", "an error event arrived before the cut"),
      check("no-leak", "not-applicable", "the client did not disconnect"),
    ],
    timeline: [
      { t: T0 + 2, source: "probe", kind: "request", detail: "POST /v1/chat" },
      { t: T0 + 40, source: "probe", kind: "headers", detail: "HTTP/1.1 200 text/event-stream" },
      { t: T0 + 60, source: "probe", kind: "chunk", detail: NASTY },
      { t: T0 + 300, source: "fake", kind: "fault", detail: "destroy socket after 2 events" },
      { t: T0 + 310, source: "backend", kind: "log", detail: "Traceback <script>alert(2)</script>" },
      { t: T0 + 320, source: "edge", kind: "log", detail: "upstream prematurely closed connection" },
      { t: T0 + 410, source: "probe", kind: "end", detail: "socket closed without terminator" },
    ],
    ...overrides,
  });
}

export function erroring(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "error", { reason: "backend never became ready: exit 1 <oops>\u001b[0m", ...overrides });
}

export function skipped(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "skipped", { reason: "needs docker & no engine", ...overrides });
}

/** The scenario ran, but its deciding check could not apply (the client never left). */
export function inconclusive(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "inconclusive", {
    reason: "no deciding check could apply: upstream-cancelled: the client never left",
    checks: [
      {
        ...check("upstream-cancelled", "not-applicable", "the client never left <during> the stream"),
        deciding: true,
      },
      check("backend-survived", "pass", "alive, and a follow-up request completed normally"),
    ],
    ...overrides,
  });
}

export function notApplicable(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "not-applicable", {
    reason: "the openai-relay contract declares no sessions (capabilities.sessions) <so>",
    durationMs: 0,
    ...overrides,
  });
}

export function interrupted(id: string, overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return result(id, "interrupted", { reason: "the run was interrupted (SIGINT)", ...overrides });
}

/** Every status once, with their reasons: the new statuses of schema version 2 beside the old ones. */
export function everyStatusRun(): RunResult {
  return run([
    passing("a-pass"),
    failing("b-fail"),
    erroring("c-error"),
    inconclusive("d-inconclusive"),
    notApplicable("e-not-applicable"),
    skipped("f-skipped"),
    interrupted("g-interrupted"),
  ]);
}

/** Two backends x two edges x three scenarios, one of each status somewhere. */
export function mixedRun(): RunResult {
  const where = (backend: string, edge: string) => ({ backend, edge });
  return run([
    passing("pre-stream-500", where("node-hardened", "nginx")),
    passing("pre-stream-500", where("node-hardened", "caddy")),
    failing("pre-stream-500", where("python-naive", "nginx")),
    passing("pre-stream-500", where("python-naive", "caddy")),
    passing("mid-stream-cut", where("node-hardened", "nginx")),
    erroring("mid-stream-cut", where("node-hardened", "caddy")),
    failing("mid-stream-cut", where("python-naive", "nginx")),
    failing("mid-stream-cut", { ...where("python-naive", "caddy"), expected: "fail" }),
    skipped("keepalive-swallowed", where("node-hardened", "nginx")),
    passing("keepalive-swallowed", where("node-hardened", "caddy")),
  ]);
}

/**
 * A failure with its hops recorded: the backend cut its body at hop B and nginx's terminator hid
 * it at hop A; hop A's raw bytes carry NASTY so every reporter must escape them.
 */
export function failingWithHops(id: string): ScenarioResult {
  const base = failing(id);
  const end = (atMs: number, by: "peer" | "proxy" = "peer") => ({ kind: "fin" as const, by, atMs });
  return {
    ...base,
    checks: base.checks.map((c) =>
      c.status === "fail"
        ? {
            ...c,
            hop: {
              origin: "B",
              text: "hop B: the backend closed mid-chunk, no terminating chunk; hop A: nginx sent `0\\r\\n\\r\\n`: it hid the cut",
              holdings: ["nginx held it 1.3 s"],
            },
          }
        : c,
    ),
    hops: [
      {
        name: "A",
        from: "probe",
        to: "nginx",
        bytesToUpstream: 287,
        bytesToDownstream: 1362,
        firstByteMs: 38,
        lastByteMs: 408,
        end: { client: end(409, "proxy"), upstream: end(408) },
        framing: {
          outcome: "complete",
          framing: "chunked",
          status: 200,
          bodyBytes: 1128,
          chunks: 5,
          semantic: "incomplete",
        },
        connections: 1,
        tap: "proxy",
        raw: { toUpstream: "POST /v1/chat HTTP/1.1\\r\\n", toDownstream: NASTY },
      },
      {
        name: "B",
        from: "nginx",
        to: "backend",
        bytesToUpstream: 300,
        bytesToDownstream: 1200,
        firstByteMs: 35,
        lastByteMs: 300,
        end: { client: end(301, "proxy"), upstream: end(300) },
        framing: { outcome: "cut-mid-chunk", framing: "chunked", status: 200, bodyBytes: 1000, chunks: 4 },
        connections: 1,
        tap: "proxy",
      },
    ],
  };
}

/**
 * Incident 000's stack: probe →[A]→ nginx →[B]→ frontend →[backend]→ backend →[C]→ provider, the
 * FastAPI backend's cut passed on by the frontend and nginx.
 */
export function failingWithStackHops(id: string): ScenarioResult {
  const base = failingWithHops(id);
  const [a, b] = base.hops!;
  const passedOn = "closed mid-chunk, no terminating chunk";
  return {
    ...base,
    checks: base.checks.map((c) =>
      c.hop
        ? {
            ...c,
            hop: {
              origin: "backend",
              text: `hop backend: the backend ${passedOn}; hop B: the frontend passed it on: it ${passedOn}; hop A: nginx passed it on: it ${passedOn}`,
              holdings: ["the backend held it 40 ms", "the frontend held it 260 ms", "nginx held it 1.3 s"],
            },
          }
        : c,
    ),
    hops: [
      { ...a!, framing: { ...b!.framing } },
      { ...b!, to: "frontend" },
      {
        ...b!,
        name: "backend",
        from: "frontend",
        to: "backend",
        firstByteMs: 30,
        lastByteMs: 290,
      },
      {
        ...b!,
        name: "C",
        from: "backend",
        to: "provider",
        firstByteMs: 20,
        lastByteMs: 280,
        framing: {
          outcome: "cut-between-chunks",
          framing: "chunked",
          status: 200,
          bodyBytes: 900,
          chunks: 3,
        },
      },
    ],
  };
}
