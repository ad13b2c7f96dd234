/**
 * The stable JSON result schema (schemaVersion 1). Checks produce CheckResults, the runner wraps them
 * in ScenarioResults, reporters read a RunResult and nothing else. Adding a field is fine; renaming or
 * removing one is a schema version bump.
 */

export type CheckStatus = "pass" | "fail" | "not-applicable";
/** `interrupted`: cut short by the user (Ctrl-C); says nothing about the backend. */
export type ScenarioStatus = "pass" | "fail" | "error" | "skipped" | "interrupted";

/** One piece of evidence a check looked at: quoted bytes, a timing, a log line, a header, a journal entry. */
export interface Evidence {
  kind: "bytes" | "timing" | "log" | "header" | "journal" | "status" | "note";
  /** What this is, e.g. "last 64 bytes at the probe", "first byte after request", "nginx error.log". */
  label: string;
  /** The value, as text people can read (bytes are JSON-escaped, so `\r\n` shows). */
  value: string;
  /** When it was observed (epoch ms, lib/clock.ts), if it is a moment. */
  t?: number;
}

export interface CheckResult {
  /** Registry name of the check, e.g. "clean-chunked-termination". */
  check: string;
  status: CheckStatus;
  /** One line saying why: what was expected and what was seen. */
  summary: string;
  evidence: Evidence[];
}

/** A point on the timeline of one scenario, for the HTML timeline and for people reading JSON. */
export interface TimelineEvent {
  t: number;
  /** Which box saw it: "probe", "edge", "backend", "fake", "toxiproxy". */
  source: string;
  /** Short kind: "request", "headers", "chunk", "event", "end", "fault", "log", "client-close", ... */
  kind: string;
  detail: string;
}

/**
 * The backend died and was started again. Its death is evidence of the scenario it is attached to:
 * the one in whose window it died (the window ends a moment after the scenario's last request), or,
 * found dead before a scenario started, the next one (which then ran on the fresh backend).
 */
export interface BackendRestart {
  /** How it ended: exit code or signal; null where that is unknown (a backend given by URL). */
  exit: { code: number | null; signal: string | null } | null;
  /** When it ended (epoch ms), or when it was found dead if that is unknown. */
  t: number;
  /** Its last output lines up to its death, oldest first, as `[stderr] line`. */
  lastLines: string[];
  /** "in-window": it died during this scenario; "before-start": it was found dead as this one was about to start. */
  noticed: "in-window" | "before-start";
  /** False when the fresh backend did not come up: the rest of this backend's scenarios did not run (exit 2). */
  restarted: boolean;
}

export interface ScenarioResult {
  scenario: {
    id: string;
    title: string;
    /** The incident file or failure class it models, e.g. "incident 000 issue 2". */
    incident: string;
    category: string;
  };
  backend: string;
  edge: string;
  /** Edge profile name, e.g. "default", "sse-tuned". */
  profile?: string;
  runtime: "local" | "docker";
  lane: number;
  status: ScenarioStatus;
  /** Set on "error", "skipped" and "interrupted": why the scenario could not give a verdict. */
  reason?: string;
  /** Expected status when the scenario is known to fail on this backend (bug matrix). */
  expected?: ScenarioStatus;
  startedAt: number;
  durationMs: number;
  checks: CheckResult[];
  timeline: TimelineEvent[];
  /** Set when the backend died in this scenario's window (or was found dead before it) and was restarted. */
  backendRestart?: BackendRestart;
}

export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  skipped: number;
  interrupted: number;
}

export interface RunResult {
  schemaVersion: 1;
  tool: { name: "streamchaos"; version: string };
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** Where it ran: node version, platform, runtime, lanes. */
  environment: Record<string, string | number>;
  results: ScenarioResult[];
  summary: RunSummary;
  /**
   * Set when the user stopped the run (Ctrl-C): `results` hold what finished, the ones cut short are
   * `interrupted`, and `notStarted` scenario runs never began. Its exit code is 130.
   */
  interrupted?: { reason: string; planned: number; notStarted: number };
}

export function summarize(results: ScenarioResult[]): RunSummary {
  const summary: RunSummary = {
    total: results.length,
    passed: 0,
    failed: 0,
    errored: 0,
    skipped: 0,
    interrupted: 0,
  };
  for (const result of results) {
    if (result.status === "pass") summary.passed++;
    else if (result.status === "fail") summary.failed++;
    else if (result.status === "error") summary.errored++;
    else if (result.status === "interrupted") summary.interrupted++;
    else summary.skipped++;
  }
  return summary;
}
