import type { JournalEntry } from "../../fakes/journal-types.ts";
import type { CheckRef, Scenario } from "../../scenarios/scenario.ts";
import type { LogLine } from "../boxes/runtime.ts";
import { type CheckContext, type Exchange, toResult } from "../checks/check.ts";
import { getCheck } from "../checks/index.ts";
import type { CheckResult, ScenarioStatus } from "../results.ts";
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
  underTest: { backend: LaneBackend; edge: CheckContext["edge"] },
  observed: ScenarioObservations,
  startedAt: number,
): CheckContext {
  const { backend } = underTest;
  return {
    scenario,
    contract: backend.contract,
    edge: underTest.edge,
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

/**
 * Runs every check the scenario names; a single failing check fails the scenario. A backend that died
 * during the scenario fails it whether or not the scenario asked: `backend-survived` is added, so a
 * crash is never hidden behind a green verdict of checks that looked only at the bytes sent before it.
 */
export async function runChecks(
  scenario: Scenario,
  context: CheckContext,
): Promise<{ status: Extract<ScenarioStatus, "pass" | "fail">; checks: CheckResult[] }> {
  const checks: CheckResult[] = [];
  const refs =
    context.backendAlive || asksForCheck(scenario, "backend-survived")
      ? scenario.checks
      : [...scenario.checks, "backend-survived"];
  for (const ref of refs) {
    const name = checkName(ref);
    const options = typeof ref === "string" ? {} : (ref.options ?? {});
    const check = await getCheck(name, `scenario "${scenario.id}"`);
    checks.push(toResult(name, check.run(context, options)));
  }
  const status = checks.some((c) => c.status === "fail") ? "fail" : "pass";
  return { status, checks };
}

function checkName(ref: string | CheckRef): string {
  return typeof ref === "string" ? ref : ref.check;
}

function since(lines: LogLine[], t: number): LogLine[] {
  return lines.filter((line) => line.t >= t - 1);
}
