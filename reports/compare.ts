import type { RunResult, ScenarioResult, ScenarioStatus } from "../harness/results.ts";
import { columnOf, needsAttention } from "./internal/matrix.ts";

/** One (scenario, backend, edge) present in either run, with its status in each. */
export interface ComparedResult {
  id: string;
  title: string;
  backend: string;
  edge: string;
  /** Only set for non-default edge profiles, which count as their own combination. */
  profile?: string;
  /** Only set for h2 and browser, which count as their own combination. */
  client?: string;
  status?: ScenarioStatus;
  previousStatus?: ScenarioStatus;
}

export interface RunComparison {
  /** Failing (fail, error, or inconclusive: no verdict) now, not last time: the regressions. */
  newlyFailing: ComparedResult[];
  /** Passing now, failing last time. */
  newlyPassing: ComparedResult[];
  /** Failing in both runs. */
  stillFailing: ComparedResult[];
  /** Only in this run. */
  added: ComparedResult[];
  /** Only in the last run. */
  removed: ComparedResult[];
}

/**
 * Diffs two runs by (scenario id, backend, edge[, non-default profile]). Skipped, not-applicable and
 * interrupted results are neither failing nor passing: skipped -> fail is a regression, fail ->
 * skipped is not a fix. An inconclusive result counts as failing: pass -> inconclusive means the
 * verdict was lost (or the last pass judged nothing), which a reader must see.
 */
export function compareRuns(current: RunResult, previous: RunResult): RunComparison {
  const before = indexByKey(previous.results);
  const after = indexByKey(current.results);
  const comparison: RunComparison = {
    newlyFailing: [],
    newlyPassing: [],
    stillFailing: [],
    added: [],
    removed: [],
  };
  for (const [key, now] of after) {
    const then = before.get(key);
    if (!then) {
      comparison.added.push(entry(now, now.status, undefined));
      continue;
    }
    const item = entry(now, now.status, then.status);
    const failingNow = needsAttention(now.status);
    const failingThen = needsAttention(then.status);
    if (failingNow && failingThen) comparison.stillFailing.push(item);
    else if (failingNow) comparison.newlyFailing.push(item);
    else if (failingThen && now.status === "pass") comparison.newlyPassing.push(item);
  }
  for (const [key, then] of before) {
    if (!after.has(key)) comparison.removed.push(entry(then, undefined, then.status));
  }
  return comparison;
}

function indexByKey(results: readonly ScenarioResult[]): Map<string, ScenarioResult> {
  const map = new Map<string, ScenarioResult>();
  // NUL cannot occur in ids or names a person typed, so the joined key cannot collide.
  for (const result of results) map.set(`${result.scenario.id}\u0000${columnOf(result).key}`, result);
  return map;
}

function entry(
  result: ScenarioResult,
  status: ScenarioStatus | undefined,
  previousStatus: ScenarioStatus | undefined,
): ComparedResult {
  const column = columnOf(result);
  const item: ComparedResult = {
    id: result.scenario.id,
    title: result.scenario.title,
    backend: result.backend,
    edge: result.edge,
  };
  if (column.profile) item.profile = column.profile;
  if (column.client) item.client = column.client;
  if (status) item.status = status;
  if (previousStatus) item.previousStatus = previousStatus;
  return item;
}
