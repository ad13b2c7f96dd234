/**
 * A scenario is data: what the fake provider does, what the network does, what the client does,
 * and which checks must pass. It never names a provider: the fake renders the script in the
 * format of whichever provider the backend talks to.
 */

/** A provider-neutral fake response (validated by fakes/; see fakes/script). */
export type ScriptJson = Record<string, unknown> & {
  name?: string;
  content?: { text?: string; tokens?: string[]; chunks?: number; chunkSize?: number };
  pacing?: {
    headersDelayMs?: number;
    firstTokenMs?: number;
    intervalMs?: number;
    jitterMs?: number;
    seed?: number;
  };
  faults?: Array<Record<string, unknown> & { fault: string }>;
};

export type Hop = "A" | "B" | "C";

/** A Toxiproxy toxic on one hop (A: client→edge, B: edge→backend, C: backend→provider). */
export interface HopToxic {
  hop: Hop;
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
  /** The client hangs up on purpose. */
  disconnect?: { afterEvents?: number; afterBytes?: number; afterMs?: number; beforeFirstByte?: boolean };
  timeoutMs?: number;
  idleTimeoutMs?: number;
}

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
  down?: Hop[];
  /** Requests the probe sends; default one request. */
  requests?: ScenarioRequest[];
  checks: Array<string | CheckRef>;
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

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
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
