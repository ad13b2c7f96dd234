import type { ScenarioResult, ScenarioStatus } from "../../harness/results.ts";

/**
 * The scenario x (backend/edge) grid every human-facing reporter draws. Rows and columns keep the
 * order in which they first appear in the results, so a run reads in the order it was planned.
 */
export interface MatrixColumn {
  key: string;
  backend: string;
  edge: string;
  profile?: string;
  /** Set for h2 and browser: each client is a column of its own (h1, the default, adds nothing). */
  client?: string;
  /** "backend/edge", plus ":profile" when a non-default profile was used, plus " [client]" past h1. */
  label: string;
}

export interface MatrixRow {
  id: string;
  title: string;
  /** Result per column key; a missing key means the combination was not run. */
  cells: Map<string, ScenarioResult>;
}

export interface Matrix {
  columns: MatrixColumn[];
  rows: MatrixRow[];
}

/** Profiles other than "default" are a different configuration of the same edge, so a column of their own. */
export function columnOf(result: ScenarioResult): MatrixColumn {
  const profile = result.profile && result.profile !== "default" ? result.profile : undefined;
  const client = result.client && result.client !== "h1" ? result.client : undefined;
  const label = whereLabel({ ...result, ...(profile ? { profile } : {}), ...(client ? { client } : {}) });
  return {
    key: label,
    backend: result.backend,
    edge: result.edge,
    ...(profile ? { profile } : {}),
    ...(client ? { client } : {}),
    label,
  };
}

/**
 * "backend/edge:profile [client]" for people: the profile when not the default, the client when not
 * h1, so a run of h1 alone reads as before clients existed.
 */
export function whereLabel(at: { backend: string; edge: string; profile?: string; client?: string }): string {
  const profile = at.profile && at.profile !== "default" ? `:${at.profile}` : "";
  const client = at.client && at.client !== "h1" ? ` [${at.client}]` : "";
  return `${at.backend}/${at.edge}${profile}${client}`;
}

export function buildMatrix(results: readonly ScenarioResult[]): Matrix {
  const columns = new Map<string, MatrixColumn>();
  const rows = new Map<string, MatrixRow>();
  for (const result of results) {
    const column = columnOf(result);
    if (!columns.has(column.key)) columns.set(column.key, column);
    let row = rows.get(result.scenario.id);
    if (!row) {
      row = { id: result.scenario.id, title: result.scenario.title, cells: new Map() };
      rows.set(result.scenario.id, row);
    }
    row.cells.set(column.key, result);
  }
  return { columns: [...columns.values()], rows: [...rows.values()] };
}

/**
 * The mark of each status where a glyph stands for it (the console's Unicode set, the HTML matrix):
 * `?` inconclusive (it ran, nothing could be judged), `∅` not applicable (the contract lacks what the
 * scenario needs), `^` interrupted (Ctrl-C).
 */
export const STATUS_MARK: Record<ScenarioStatus, string> = {
  pass: "✓",
  fail: "✗",
  error: "!",
  inconclusive: "?",
  "not-applicable": "∅",
  skipped: "-",
  interrupted: "^",
};

/** Not-applicable results by scenario and reason, with the backend/edge columns each covers. */
export function notApplicableGroups(
  results: readonly ScenarioResult[],
): Array<{ id: string; reason: string; where: string[] }> {
  const groups = new Map<string, { id: string; reason: string; where: string[] }>();
  for (const result of results) {
    if (result.status !== "not-applicable") continue;
    const reason = result.reason ?? "no reason given";
    const key = `${result.scenario.id}\u0000${reason}`;
    const group = groups.get(key) ?? { id: result.scenario.id, reason, where: [] };
    group.where.push(columnOf(result).label);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function isFailing(status: ScenarioStatus): boolean {
  return status === "fail" || status === "error";
}

/**
 * A failure the bug matrix predicted for this backend (a known bug, not a regression). Only an
 * expected "fail" that failed counts, as in harness/runner.ts exitCodeFor: an error is never known.
 */
export function isExpected(result: ScenarioResult): boolean {
  return result.status === "fail" && result.expected === "fail";
}

/** Failing in a way that makes the run exit 1. */
export function isUnexpectedFailure(result: ScenarioResult): boolean {
  return isFailing(result.status) && !isExpected(result);
}

/** The failing checks of a result, in the order the scenario lists them. */
export function failingChecks(result: ScenarioResult) {
  return result.checks.filter((check) => check.status === "fail");
}

/**
 * The checks that explain a verdict: the failing ones of a failure, the deciding checks (none of
 * which could apply) of an inconclusive result. Results from before `deciding` was recorded fall
 * back to every check that could not apply.
 */
export function verdictChecks(result: ScenarioResult) {
  if (result.status !== "inconclusive") return failingChecks(result);
  const deciding = result.checks.filter((check) => check.deciding);
  return deciding.length > 0 ? deciding : result.checks.filter((check) => check.status === "not-applicable");
}

/**
 * Results a reader must look at, each with its reason and checks: failures, errors and
 * inconclusive results (which are no verdict, never a pass).
 */
export function needsAttention(status: ScenarioStatus): boolean {
  return isFailing(status) || status === "inconclusive";
}
