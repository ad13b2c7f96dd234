import { fileURLToPath } from "node:url";

/**
 * A scenario is data: what the fake provider does, what the network does, what the client does,
 * and which checks must pass. It never names a provider: the fake renders the script in the
 * format of whichever provider the backend talks to.
 */

/** A provider-neutral fake response (validated by fakes/; see fakes/script). */
export type ScriptJson = Record<string, unknown> & {
  name?: string;
  content?: {
    text?: string;
    tokens?: string[];
    chunks?: number;
    chunkSize?: number;
    toolCalls?: Array<{ name: string; arguments: string; id?: string }>;
    thinking?: string;
    /**
     * Replay a recorded exchange (fakes/README.md, "Replaying a cassette"). Give it relative to the
     * defining module, `new URL("./x.cassette.json", import.meta.url)`: defineScenario keeps it as
     * that file's path. A relative string is read against the scenario file by whatever loads it.
     * (The harness sends the fake the cassette itself, as a JSON object.)
     */
    cassette?: string | URL | Record<string, unknown>;
  };
  pacing?: {
    headersDelayMs?: number;
    firstTokenMs?: number;
    intervalMs?: number;
    jitterMs?: number;
    seed?: number;
  };
  /**
   * Fault steps. A parameter may be sized from the backend instead of fixed: `{ keepaliveIntervals: n }`
   * (e.g. a stall's `ms`) is resolved by the lane from the backend's keepaliveMs before the fake is
   * scripted (harness/lane/backend-sizing.ts); such a scenario requires "keepalives".
   */
  faults?: Array<Record<string, unknown> & { fault: string }>;
};

export type Hop = "A" | "B" | "C";

/**
 * A link a scenario may poison or take down: one of the lane's hops, or the hop in front of one of the
 * backend's services, by the service's name (a backend without that service does not run it).
 */
export type Link = Hop | (string & {});

/** A Toxiproxy toxic on one link (A: client→edge, B: edge→backend, C: backend→provider, or a service's). */
export interface HopToxic {
  hop: Link;
  type: string;
  stream?: "upstream" | "downstream";
  toxicity?: number;
  attributes?: Record<string, number>;
}

export interface ScenarioRequest {
  message?: string;
  sessionId?: string;
  /** Start after the previous request has received this many content tokens. */
  startAfterTokens?: number;
  /**
   * The client hangs up on purpose: after this many of the contract's content pieces (`afterEvents`:
   * SSE events, text reads, NDJSON lines), body bytes, or ms after the request.
   */
  disconnect?: { afterEvents?: number; afterBytes?: number; afterMs?: number; beforeFirstByte?: boolean };
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

/**
 * What a backend's contract may support, and a scenario may require: `sessions` (a session id in
 * the request, and a newer request on a session supersedes the running one), `keepalives` (its
 * framing carries keepalives the client sees), `doneSignal` (an explicit end of a complete answer),
 * `errorMarker` (an in-stream marker for an answer that broke).
 */
export type Capability = "sessions" | "keepalives" | "doneSignal" | "errorMarker";

export interface CheckRef {
  check: string;
  options?: Record<string, unknown>;
}

/**
 * The built-in catalog's categories. A scenario's category is free text: yours may use these or any
 * other ("billing", "incident-2024-07"); `streamchaos list` groups by it.
 */
export type ScenarioCategory =
  | "baseline"
  | "pre-stream"
  | "mid-stream"
  | "cleanup"
  | "rejected-params"
  | "slow-first-token"
  | "client-disconnect"
  | "session-reuse"
  | "network"
  | "buffering";

export interface Scenario {
  id: string;
  title: string;
  /** The incident (file and issue, a ticket, a postmortem link) or failure class it models: free text. */
  incident: string;
  /** Free text; the built-in ones are the `ScenarioCategory` names (`string & {}` keeps them suggested). */
  category: ScenarioCategory | (string & {});
  /** Why this matters, one or two sentences for people reading a report. */
  why: string;
  /** The fake's default script. */
  script: ScriptJson;
  /** Scripts chosen by request content (first match wins), e.g. one per request of a session. */
  matchScripts?: Array<{ match: Record<string, unknown>; script: ScriptJson }>;
  toxics?: HopToxic[];
  /** Hops taken down (Toxiproxy `enabled:false`): new connections are refused. */
  down?: Link[];
  /** Requests the probe sends; default one request. */
  requests?: ScenarioRequest[];
  checks: Array<string | CheckRef>;
  /**
   * The checks (by name, among `checks`) whose verdict answers the scenario's question, e.g.
   * `["upstream-cancelled"]` for a client disconnect. When every one of them is not applicable the
   * scenario is inconclusive, never a pass: the other checks passing proves nothing about what the
   * scenario set out to test. Default: every check decides (inconclusive only when none applied).
   */
  decidedBy?: string[];
  /**
   * Capabilities the backend's contract must declare for this scenario to mean anything (e.g. a
   * second request on the same session needs sessions). Without one it is not applicable, with the
   * reason, and does not run.
   */
  requires?: Capability[];
  /** Only run on these edges (e.g. a proxy-timeout scenario needs a proxy). */
  edges?: string[];
  /** Edge profile this scenario needs, per edge (e.g. nginx "short-timeouts"). */
  profiles?: Record<string, string>;
  /**
   * Set by streamchaos when it loads the scenario, never written by hand: built in or yours, and the
   * file it came from (your scenario file, or your config for an inline one). Paths a scenario
   * names (a cassette) are relative to that file.
   */
  source?: ScenarioSource;
}

/** Where a loaded scenario came from. */
export interface ScenarioSource {
  builtin: boolean;
  /** Absolute path of the module that defined it. */
  file?: string;
}

/** A scenario as data: a cassette given as a URL becomes its file's path, so the scenario stays plain JSON. */
export function defineScenario(scenario: Scenario): Scenario {
  const withPath = (script: ScriptJson): ScriptJson => {
    const cassette = script.content?.cassette;
    return cassette instanceof URL
      ? { ...script, content: { ...script.content, cassette: fileURLToPath(cassette) } }
      : script;
  };
  return {
    ...scenario,
    script: withPath(scenario.script),
    ...(scenario.matchScripts
      ? { matchScripts: scenario.matchScripts.map((m) => ({ ...m, script: withPath(m.script) })) }
      : {}),
  };
}

export function checkName(ref: string | CheckRef): string {
  return typeof ref === "string" ? ref : ref.check;
}

/** The names of the checks that decide the scenario (decidedBy, else all of its checks). */
export function decidingChecks(scenario: Scenario): string[] {
  return scenario.decidedBy ?? scenario.checks.map(checkName);
}

/** Faults after which the provider stream stops at their event (the rest of the script never plays). */
const ENDS_STREAM = new Set(["fin", "rst", "error-event", "malformed-json"]);
/** Faults that answer before any token. */
const BEFORE_STREAM = new Set([
  "http-error",
  "reset-before-headers",
  "close-before-headers",
  "refuse-connection",
  "reject-param",
]);

/**
 * What a scenario inherently waits, the floor a perfect harness could run it in: the script's pacing
 * up to where the stream really ends (a fault at event 5, the client leaving after 4 events), with
 * silences cut at the backend's own bound (it gives up on a stall or a hang then).
 */
export function scriptedWaitMs(
  scenario: Scenario,
  bounds: { upstreamTimeoutMs: number } = { upstreamTimeoutMs: 30_000 },
): number {
  const scriptFloor = (script: ScriptJson): number => {
    const pacing = script.pacing ?? {};
    const interval = pacing.intervalMs ?? 0;
    let stopAt = script.content?.tokens?.length ?? script.content?.chunks ?? 1;
    let silence = 0;
    for (const fault of script.faults ?? []) {
      const at =
        (fault.at as { token?: number; event?: number } | undefined)?.token ??
        (fault.at as { event?: number } | undefined)?.event;
      if (BEFORE_STREAM.has(fault.fault)) stopAt = 0;
      if (ENDS_STREAM.has(fault.fault) && at !== undefined) stopAt = Math.min(stopAt, at);
      if (fault.fault === "stall" && typeof fault.ms === "number") {
        silence += Math.min(fault.ms, bounds.upstreamTimeoutMs);
        if (fault.ms >= bounds.upstreamTimeoutMs && at !== undefined) stopAt = Math.min(stopAt, at);
      }
      if (fault.fault === "hang-before-headers") {
        silence += Math.min(
          typeof fault.ms === "number" ? fault.ms : Number.POSITIVE_INFINITY,
          bounds.upstreamTimeoutMs,
        );
        stopAt = 0;
      }
    }
    const firstToken = stopAt > 0 ? (pacing.firstTokenMs ?? 0) : 0;
    return (pacing.headersDelayMs ?? 0) + firstToken + Math.max(0, stopAt - 1) * interval + silence;
  };
  const toxicFloor = (scenario.toxics ?? []).reduce((longest, toxic) => {
    if (toxic.type === "timeout")
      return Math.max(
        longest,
        Math.min(toxic.attributes?.timeout || Number.POSITIVE_INFINITY, bounds.upstreamTimeoutMs),
      );
    return longest;
  }, 0);
  // A network cut ends the stream before its script does: reset_peer after its timeout, limit_data as
  // soon as its bytes went through (counted as the first token, so the floor stays a lower bound).
  const cutAt = (scenario.toxics ?? []).reduce((earliest, toxic) => {
    if (toxic.type === "reset_peer") return Math.min(earliest, toxic.attributes?.timeout ?? 0);
    if (toxic.type === "limit_data") return Math.min(earliest, scenario.script.pacing?.firstTokenMs ?? 0);
    return earliest;
  }, Number.POSITIVE_INFINITY);
  const requests = scenario.requests?.length ? scenario.requests : [{}];
  let total = 0;
  for (const [i, request] of requests.entries()) {
    const script =
      scenario.matchScripts?.find(
        (m) => typeof m.match.bodyContains === "string" && request.message?.includes(m.match.bodyContains),
      )?.script ?? scenario.script;
    let floor = Math.min(Math.max(scriptFloor(script), toxicFloor), cutAt);
    const pacing = script.pacing ?? {};
    if (request.disconnect?.afterEvents !== undefined) {
      floor = Math.min(
        floor,
        (pacing.firstTokenMs ?? 0) +
          Math.max(0, request.disconnect.afterEvents - 1) * (pacing.intervalMs ?? 0),
      );
    }
    if (request.disconnect?.afterMs !== undefined) floor = Math.min(floor, request.disconnect.afterMs);
    const next = requests[i + 1];
    if (next?.startAfterTokens !== undefined) {
      // The next request starts while this one still streams and cancels it: only its head counts.
      floor = (pacing.firstTokenMs ?? 0) + Math.max(0, next.startAfterTokens - 1) * (pacing.intervalMs ?? 0);
    }
    total += floor;
  }
  return total;
}
