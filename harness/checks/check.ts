import type { JournalEntry } from "../../fakes/journal-types.ts";
import type { Scenario, ScenarioRequest } from "../../scenarios/scenario.ts";
import type { LogLine } from "../boxes/runtime.ts";
import type { CheckResult, CheckStatus, Evidence } from "../check-result.ts";
import type { Contract, ContractView } from "../contracts/contract.ts";
import type { ProbeClientName, ProbeObservation } from "../probe/observation.ts";

/** One request the probe made in a scenario, read through the backend's contract. */
export interface Exchange {
  request: ScenarioRequest;
  /** The unique tag sent in the user message, by which the fake's journal entries are matched to it. */
  nonce: string;
  observation: ProbeObservation;
  view: ContractView;
  /** The fake's journal entries for the upstream calls this request caused. */
  upstream: JournalEntry[];
}

/** Everything a check may look at. Checks are pure functions of this. */
export interface CheckContext {
  scenario: Scenario;
  contract: Contract;
  edge: { name: string; profile: string };
  /** The client that made the requests (absent: h1). Its own evidence is in each observation. */
  client?: ProbeClientName;
  backend: {
    name: string;
    /** How often the backend promises keepalives, if it does. */
    keepaliveMs?: number;
    /** The backend's own bound on a silent provider. */
    upstreamTimeoutMs?: number;
  };
  exchanges: Exchange[];
  /** Every journal entry the fake recorded during the scenario. */
  journal: JournalEntry[];
  backendLogs: LogLine[];
  /** False when the backend runs outside streamchaos (a URL) and its output is not captured. */
  backendLogsCaptured?: boolean;
  edgeLogs: LogLine[];
  backendAlive: boolean;
  /** A plain request made after the scenario, to prove the backend still serves normally. */
  followUp?: Exchange;
}

export interface CheckOutcome {
  status: CheckStatus;
  summary: string;
  evidence?: Evidence[];
}

export interface CheckDefinition {
  name: string;
  /** What it asserts, for `streamchaos list --checks` and the docs. */
  description: string;
  /**
   * It judges when bytes arrived (latency, buffering): when it fails, the result says how long each
   * box on the way held the first token (harness/hops holdings), not only which hop broke.
   */
  judgesTiming?: boolean;
  run(context: CheckContext, options: Record<string, unknown>): CheckOutcome;
  /**
   * Clients whose observations this check cannot judge, each with why (a check of raw HTTP/1.1 bytes
   * has none to read from the h2 probe or a page). On those it is not applicable, never a pass.
   */
  cannotJudge?: Partial<Record<ProbeClientName, string>>;
}

export function defineCheck(definition: CheckDefinition): CheckDefinition {
  return definition;
}

export function pass(summary: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "pass", summary, evidence };
}

export function fail(summary: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "fail", summary, evidence };
}

export function notApplicable(summary: string, evidence: Evidence[] = []): CheckOutcome {
  return { status: "not-applicable", summary, evidence };
}

export function toResult(name: string, outcome: CheckOutcome): CheckResult {
  return { check: name, status: outcome.status, summary: outcome.summary, evidence: outcome.evidence ?? [] };
}
