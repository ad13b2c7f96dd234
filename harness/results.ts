/**
 * The stable JSON result schema (schemaVersion 2). Checks produce CheckResults, the runner wraps them
 * in ScenarioResults, reporters read a RunResult and nothing else. Adding a field is fine; renaming or
 * removing one is a schema version bump, and so is a new status: a reader of version 1 (an older
 * streamchaos comparing runs, a CI script testing `status !== "fail"`) would take `inconclusive` for
 * a pass. Version 2 added inconclusive, not-applicable and interrupted; reports/load.ts reads both.
 * Added within version 2 (absent in older results): `ScenarioResult.hops` and `hopsUnavailable`,
 * `CheckResult.hop`.
 */

import type { Scenario } from "../scenarios/scenario.ts";
import type { CheckResult } from "./check-result.ts";
import type { BackendConfig } from "./config.ts";
import type { ContractPresetOptions } from "./contracts/contract.ts";
import type { ProbeClientName } from "./probe/observation.ts";

// What one check said lives beside the checks (harness/check-result.ts); results.json readers
// find every type here.
export type { CheckHop, CheckResult, CheckStatus, Evidence } from "./check-result.ts";

export const SCHEMA_VERSION = 2;

/**
 * - pass: every check passed or could not apply, and at least one deciding check passed.
 * - fail: a check failed.
 * - error: the harness could not run the scenario (a crash, a setup problem); no verdict.
 * - inconclusive: the scenario ran, but none of its deciding checks could apply (the client never
 *   left, the provider streamed nothing): no verdict, and never shown as a pass.
 * - not-applicable: the backend's contract lacks a capability the scenario needs (sessions,
 *   keepalives...); it did not run. `reason` says which.
 * - skipped: the edge is not installed on this machine; it did not run.
 * - interrupted: the run was stopped (Ctrl-C) before this scenario gave a verdict.
 */
export type ScenarioStatus =
  | "pass"
  | "fail"
  | "error"
  | "inconclusive"
  | "not-applicable"
  | "skipped"
  | "interrupted";

export const SCENARIO_STATUSES: readonly ScenarioStatus[] = [
  "pass",
  "fail",
  "error",
  "inconclusive",
  "not-applicable",
  "skipped",
  "interrupted",
];

/** How one side of a hop's connection ended (proxies/toxiproxy/taps). */
export interface HopEnd {
  kind: "fin" | "rst" | "timeout" | "refused" | "open";
  /** `peer`: the box on that side did it; `proxy`: Toxiproxy closed it (a toxic, passing the other side's end on). */
  by: "peer" | "proxy";
  /** ms from the scenario's first request. */
  atMs?: number;
  detail?: string;
}

/** How the last response crossed a hop, read with the probe's HTTP/1.1 decoder. */
export interface HopFramingRecord {
  /** complete, closed, cut-mid-chunk, cut-between-chunks, cut-short, cut-reset, headers-cut, no-response, malformed, client-left, open, unknown. */
  outcome: string;
  /** chunked, content-length, close-delimited, none. */
  framing?: string;
  status?: number;
  detail?: string;
  bodyBytes: number;
  chunks: number;
  /** What the body said of itself (a done signal, an error marker), where a judge could tell. */
  semantic?: "complete" | "incomplete" | "error-marker";
}

/**
 * One tapped link of a scenario: A probe→edge, B edge→backend, C backend→provider, and each link of
 * a stack, named after the service it reaches (`backend`: frontend→backend). Bytes and times
 * cover every connection that carried something in the scenario's window; framing and end are those
 * of its last response (a scenario of several requests shows the last).
 */
export interface HopRecord {
  name: string;
  /** The box on the client side ("probe", "nginx", "backend"); `a+b` when several call a service. */
  from: string;
  /** The box on the upstream side ("nginx", "backend", "provider"). */
  to: string;
  bytesToUpstream: number;
  bytesToDownstream: number;
  /** ms from the scenario's first request to the first and last response byte the `to` box sent. */
  firstByteMs?: number;
  lastByteMs?: number;
  end: { client: HopEnd; upstream: HopEnd };
  /** The response as the `to` box sent it (before any toxic on the hop). */
  framing: HopFramingRecord;
  /** The response as the `from` box got it, when a toxic on the hop changed it. */
  delivered?: HopFramingRecord;
  connections: number;
  /** Where the record came from: inside the embedded Toxiproxy, a relay beside a real one, or nothing crossed. */
  tap: "proxy" | "relay" | "none";
  /**
   * Failing results only: the hop's bytes of its last connection, JSON-escaped and bounded (the head
   * of the request, the head and tail of the response), secrets redacted like all evidence.
   */
  raw?: { toUpstream: string; toDownstream: string; truncated?: true };
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
  /**
   * The client that made the requests: `h1` (raw HTTP/1.1 on the edge's cleartext port), `h2` (HTTP/2
   * frames over TLS), `browser` (headless Chromium's fetch() reader over TLS). Every result of this
   * version carries it; a result read from an older file without it was h1.
   * Part of the result's name (harness/plan.ts runKey) when it is not h1.
   */
  client?: ProbeClientName;
  runtime: "local" | "docker";
  lane: number;
  status: ScenarioStatus;
  /** Set on every status but pass and fail: why the scenario gave no verdict (or did not run). */
  reason?: string;
  /** Expected status when the scenario is known to fail on this backend (bug matrix). */
  expected?: ScenarioStatus;
  startedAt: number;
  durationMs: number;
  checks: CheckResult[];
  timeline: TimelineEvent[];
  /** Set when the backend died in this scenario's window (or was found dead before it) and was restarted. */
  backendRestart?: BackendRestart;
  /** Each tapped hop, client first (A, B, the stack's service links, C), for scenarios that ran. Evidence only: never a verdict. */
  hops?: HopRecord[];
  /** Set instead of `hops` when the run could not tap them (a Toxiproxy that records nothing), saying why. */
  hopsUnavailable?: string;
  /** The backend's services that died (during this scenario, or found dead before it), each restarted. */
  serviceRestarts?: ServiceRestart[];
}

/** A service's death, as a backend's, with the service's name. */
export interface ServiceRestart extends BackendRestart {
  service: string;
}

/** One count per status, so no status is ever folded into another. */
export interface RunSummary {
  total: number;
  passed: number;
  failed: number;
  errored: number;
  inconclusive: number;
  notApplicable: number;
  skipped: number;
  interrupted: number;
}

/** A backend as the run was configured with it, as data (its contract by name; secrets masked). */
export type BackendSetup = Omit<BackendConfig, "contract" | "healthPath" | "readyTimeoutMs"> & {
  /** A preset name, a preset with options, or `{custom: name}` for a contract object of your own. */
  contract: string | ({ preset: string } & ContractPresetOptions) | { custom: string };
  healthPath: string;
  readyTimeoutMs: number;
};

/** What a run was set up with: enough for `streamchaos repro` to re-run any one of its results. */
export interface RunSetup {
  /** The config file, when the run had one. */
  configFile?: string;
  /** Where the run was started. */
  cwd: string;
  backends: BackendSetup[];
  /** Edges as configured; a config file of your own by its absolute path. */
  edges: Array<{ edge: string; profile?: string; config?: string }>;
  /** Every scenario that ran, as data, by id (a cassette by its absolute path). */
  scenarios: Record<string, Scenario>;
  /** The sha256 of each cassette a scenario replayed, by path: a repro can tell it changed since. */
  cassettes: Record<string, string>;
}

export interface RunResult {
  schemaVersion: typeof SCHEMA_VERSION;
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
  /** The setup it ran with (added in 0.2; absent in older results). */
  setup?: RunSetup;
  /**
   * Set when the run was told that inconclusive results do not fail it (`--allow-inconclusive`,
   * config `allowInconclusive`): the exit code and reporters that mirror it (JUnit, the Markdown
   * headline) then treat them as not failing. They are still counted and shown apart.
   */
  allowInconclusive?: boolean;
  /**
   * Set on one machine's share of a plan split over several (`--shard 2/4`): which share, and the
   * hash of the whole split, which `streamchaos merge` requires to be the same in every file.
   */
  shard?: { index: number; total: number; planHash: string };
  /**
   * Set when `--bail` stopped the run after its first failure: the result that stopped it, and how
   * many planned runs never started (those already running finished and are in `results`).
   */
  bailed?: { after: string; notStarted: number };
}

const SUMMARY_KEY: Record<ScenarioStatus, Exclude<keyof RunSummary, "total">> = {
  pass: "passed",
  fail: "failed",
  error: "errored",
  inconclusive: "inconclusive",
  "not-applicable": "notApplicable",
  skipped: "skipped",
  interrupted: "interrupted",
};

export function summarize(results: readonly ScenarioResult[]): RunSummary {
  const summary: RunSummary = {
    total: results.length,
    passed: 0,
    failed: 0,
    errored: 0,
    inconclusive: 0,
    notApplicable: 0,
    skipped: 0,
    interrupted: 0,
  };
  for (const result of results) summary[SUMMARY_KEY[result.status]]++;
  return summary;
}

/**
 * Whether this result makes the run exit 1 (harness/runner.ts exitCodeFor) and fails the vitest
 * entry's test: an unexpected failure, an error, an interrupted scenario, and an inconclusive one
 * unless the run allows them. Not-applicable and skipped results never do: they did not run.
 */
export function failsRun(result: ScenarioResult, run: { allowInconclusive?: boolean } = {}): boolean {
  switch (result.status) {
    case "fail":
      return result.expected !== "fail";
    case "error":
    case "interrupted":
      return true;
    case "inconclusive":
      return run.allowInconclusive !== true;
    default:
      return false;
  }
}
