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
  /** The incident (file and issue) or failure class it models. */
  incident: string;
  category: ScenarioCategory;
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
}

export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

/** The pacing the scenario scripts itself: the floor a perfect harness could run it in. */
export function scriptedWaitMs(scenario: Scenario): number {
  const scripts = [scenario.script, ...(scenario.matchScripts ?? []).map((m) => m.script)];
  let longest = 0;
  for (const script of scripts) {
    const pacing = script.pacing ?? {};
    const tokens = script.content?.tokens?.length ?? script.content?.chunks ?? 0;
    let total =
      (pacing.headersDelayMs ?? 0) +
      (pacing.firstTokenMs ?? 0) +
      Math.max(0, tokens - 1) * (pacing.intervalMs ?? 0);
    for (const fault of script.faults ?? []) {
      if (typeof fault.ms === "number" && fault.fault !== "hang-before-headers") total += fault.ms;
    }
    longest = Math.max(longest, total);
  }
  return longest;
}
