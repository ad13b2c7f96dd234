import type { JournalEntry } from "../../fakes/journal-types.ts";
import { UserError } from "../../lib/errors.ts";
import { checkName, decidingChecks, type Scenario } from "../../scenarios/scenario.ts";
import type { LogLine } from "../boxes/runtime.ts";
import { type CheckContext, type Exchange, toResult } from "../checks/check.ts";
import { getCheck } from "../checks/index.ts";
import { checkHop } from "../hops/records.ts";
import type { ProbeClientName } from "../probe/observation.ts";
import type { CheckResult, ScenarioStatus } from "../results.ts";
import { INJECTED_HOPS, type TappedHops } from "./hop-taps.ts";
import type { LaneBackend } from "./lane-options.ts";

/** What the lane saw of one scenario, on every box. */
export interface ScenarioObservations {
  exchanges: Exchange[];
  journal: JournalEntry[];
  backendAlive: boolean;
  followUp: Exchange | undefined;
  backendLogs: LogLine[];
  backendLogsCaptured: boolean;
  edgeLogs: LogLine[];
}

/** Some checks need the lane to observe more than the exchanges (a settled journal, a follow-up request). */
export function asksForCheck(scenario: Scenario, name: string): boolean {
  return scenario.checks.some((ref) => checkName(ref) === name);
}

/** The checks' view of one scenario: what was under test, and what was observed since it started. */
export function checkContext(
  scenario: Scenario,
  underTest: { backend: LaneBackend; edge: CheckContext["edge"]; client?: ProbeClientName },
  observed: ScenarioObservations,
  startedAt: number,
): CheckContext {
  const { backend } = underTest;
  return {
    scenario,
    contract: backend.contract,
    edge: underTest.edge,
    ...(underTest.client ? { client: underTest.client } : {}),
    backend: {
      name: backend.name,
      ...(backend.keepaliveMs === undefined ? {} : { keepaliveMs: backend.keepaliveMs }),
      ...(backend.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: backend.upstreamTimeoutMs }),
    },
    exchanges: observed.exchanges,
    journal: observed.journal,
    backendLogs: since(observed.backendLogs, startedAt),
    backendLogsCaptured: observed.backendLogsCaptured,
    edgeLogs: since(observed.edgeLogs, startedAt),
    backendAlive: observed.backendAlive,
    ...(observed.followUp ? { followUp: observed.followUp } : {}),
  };
}

export interface Verdict {
  status: Extract<ScenarioStatus, "pass" | "fail" | "inconclusive">;
  checks: CheckResult[];
  /** Set when inconclusive: the deciding checks and why none of them could apply. */
  reason?: string;
}

/**
 * Runs every check the scenario names. A single failing check fails the scenario; otherwise it
 * passes only if at least one of its deciding checks judged something. A backend that died during the
 * scenario fails it whether or not the scenario asked: `backend-survived` is added, so a crash is never
 * hidden behind a green verdict of checks that looked only at the bytes sent before it. When every deciding check
 * was not applicable the scenario is inconclusive: the rest passing proves nothing about its
 * question (a disconnect scenario whose client never left, a happy path whose provider streamed
 * nothing that could be matched to the request).
 */
export async function runChecks(
  scenario: Scenario,
  context: CheckContext,
  hops?: Pick<TappedHops, "summaries" | "attribution">,
): Promise<Verdict> {
  const names = scenario.checks.map(checkName);
  const deciding = new Set(decidingChecks(scenario));
  const unknown = [...deciding].filter((name) => !names.includes(name));
  if (unknown.length > 0 || deciding.size === 0) {
    throw new UserError("SCENARIO_INVALID", {
      what: `Scenario "${scenario.id}" names deciding checks that it does not run`,
      why:
        deciding.size === 0
          ? "decidedBy is empty, so nothing could ever decide it"
          : `decidedBy lists ${unknown.join(", ")}, its checks are ${names.join(", ")}`,
      fix: "List in decidedBy only checks that are also in checks (or leave decidedBy out: every check decides).",
    });
  }
  const checks: CheckResult[] = [];
  const refs =
    context.backendAlive || asksForCheck(scenario, "backend-survived")
      ? scenario.checks
      : [...scenario.checks, "backend-survived"];
  for (const ref of refs) {
    const name = checkName(ref);
    const options = typeof ref === "string" ? {} : (ref.options ?? {});
    const check = await getCheck(name, `scenario "${scenario.id}"`);
    const client = context.client ?? "h1";
    const cannot = check.cannotJudge?.[client];
    const result: CheckResult = toResult(
      name,
      cannot === undefined
        ? check.run(context, options)
        : { status: "not-applicable", summary: `not on the ${client} client: ${cannot}` },
    );
    // Evidence only: the hop a failure shows on is read after the check judged, never by it.
    if (result.status === "fail" && hops) {
      const hop = checkHop(hops.attribution, hops.summaries, {
        injected: INJECTED_HOPS,
        ...(check.judgesTiming ? { timing: true } : {}),
      });
      if (hop) result.hop = hop;
    }
    checks.push(deciding.has(name) ? { ...result, deciding: true } : result);
  }
  if (checks.some((c) => c.status === "fail")) return { status: "fail", checks };
  const decisive = checks.filter((c) => c.deciding);
  if (decisive.every((c) => c.status === "not-applicable")) {
    const why = decisive.map((c) => `${c.check}: ${c.summary}`).join("; ");
    return { status: "inconclusive", checks, reason: `no deciding check could apply (${why})` };
  }
  return { status: "pass", checks };
}

function since(lines: LogLine[], t: number): LogLine[] {
  return lines.filter((line) => line.t >= t - 1);
}
