import {
  type RunResult,
  SCENARIO_STATUSES,
  type ScenarioResult,
  type ScenarioStatus,
} from "../harness/results.ts";
import { colorFromEnv } from "../lib/color.ts";
import { compareRuns } from "./compare.ts";
import { hopLines } from "./internal/hops.ts";
import {
  buildMatrix,
  isExpected,
  isFailing,
  type Matrix,
  needsAttention,
  notApplicableGroups,
  STATUS_MARK,
  verdictChecks,
  whereLabel,
} from "./internal/matrix.ts";
import { describeRestart, restartLines, restarts } from "./internal/restart.ts";
import {
  formatDuration,
  hardWrap,
  joinWrapped,
  padEnd,
  plural,
  printable,
  truncate,
  width,
  wordWrap,
} from "./internal/text.ts";
import type {
  FinishOptions,
  FinishOutput,
  Reporter,
  ReporterOptions,
  RunPlan,
  ScenarioStart,
} from "./reporter.ts";

type Mark = ScenarioStatus | "none";

interface Glyphs {
  marks: Record<Mark, string>;
  sep: string;
  dash: string;
  arrow: string;
  ellipsis: string;
}

/** One mark per status, distinct in both sets (see STATUS_MARK for the Unicode one). */
const UNICODE: Glyphs = {
  marks: { ...STATUS_MARK, none: "·" },
  sep: " · ",
  dash: "—",
  arrow: "→",
  ellipsis: "…",
};
const ASCII: Glyphs = {
  marks: {
    pass: "+",
    fail: "x",
    error: "!",
    inconclusive: "?",
    "not-applicable": "/",
    skipped: "-",
    interrupted: "^",
    none: ".",
  },
  sep: " | ",
  dash: "-",
  arrow: "->",
  ellipsis: "...",
};

/** Evidence items shown per failing check; the rest are in results.json and report.html. */
const EVIDENCE_PER_CHECK = 4;
/** Terminal lines a check summary may wrap onto before it is cut. */
const SUMMARY_LINES = 3;
/** Terminal lines one evidence value may wrap onto before it is cut. */
const EVIDENCE_LINES = 3;
/** Plain progress lines pad the status to the longest one, so ids line up whatever the status. */
const STATUS_WIDTH = Math.max(...SCENARIO_STATUSES.map((status) => status.length));

interface Paint {
  status(status: Mark, text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const SGR: Record<Mark | "dim" | "bold", [number, number]> = {
  pass: [32, 39],
  fail: [31, 39],
  error: [33, 39],
  inconclusive: [35, 39],
  "not-applicable": [2, 22],
  skipped: [2, 22],
  interrupted: [36, 39],
  none: [2, 22],
  dim: [2, 22],
  bold: [1, 22],
};

function makePaint(enabled: boolean): Paint {
  const wrap = (codes: [number, number], text: string) =>
    enabled ? `\x1b[${codes[0]}m${text}\x1b[${codes[1]}m` : text;
  return {
    status: (status, text) => wrap(SGR[status], text),
    dim: (text) => wrap(SGR.dim, text),
    bold: (text) => wrap(SGR.bold, text),
  };
}

export interface ConsoleRenderOptions {
  columns: number;
  color: boolean;
  unicode: boolean;
  previous?: RunResult;
}

/** `color: false` turns colors off; else FORCE_COLOR, NO_COLOR and the terminal decide (lib/color.ts). */
export function colorEnabled(options: Pick<ReporterOptions, "isTTY" | "color" | "env">): boolean {
  return options.color !== false && colorFromEnv(options.env ?? process.env, options.isTTY);
}

export function createConsoleReporter(options: ReporterOptions): Reporter {
  const stream = options.stream;
  // Read per write: the terminal may be resized during a long run.
  const cols = () => Math.max(40, options.columns ?? stream.columns ?? 100);
  const color = colorEnabled(options);
  const unicode = options.unicode ?? true;
  const glyphs = unicode ? UNICODE : ASCII;
  const paint = makePaint(color);
  const live = options.isTTY;
  const quiet = !live && options.progress === "quiet";
  let total = 0;
  let done = 0;
  let failing = 0;
  let inconclusive = 0;
  let liveLineShown = false;
  let lastFinished = "";
  // Lanes run side by side, so several scenarios can be current; keyed like compare's results.
  const running = new Map<string, string>();

  const drawLive = () => {
    const columns = cols();
    const counter = total > 0 ? `[${done}/${total}]` : `[${done}]`;
    const failures = `${failing} failing`;
    const unsure = inconclusive > 0 ? `, ${inconclusive} inconclusive` : "";
    const head = `${counter} ${failing > 0 ? paint.status("fail", failures) : failures}${unsure && paint.status("inconclusive", unsure)}${glyphs.sep}`;
    const room = Math.max(10, columns - 1 - width(`${counter} ${failures}${unsure}${glyphs.sep}`));
    const [first] = running.values();
    const current = first
      ? `running ${first}${running.size > 1 ? ` +${running.size - 1} more` : ""}`
      : lastFinished;
    stream.write(`${head}${truncate(current, room, glyphs.ellipsis)}`);
    liveLineShown = true;
  };

  const clearLive = () => {
    if (liveLineShown) stream.write("\r\x1b[2K");
    liveLineShown = false;
  };

  return {
    name: "console",
    onStart(plan: RunPlan) {
      total = plan.total;
      if (quiet) return;
      const line = printable(
        `streamchaos: ${plural(plan.total, "result")} to run (${plural(plan.scenarios, "scenario")} on ${plan.backends.join(", ") || "no backend"} via ${plan.edges.join(", ") || "no edge"})`,
      );
      const lines = live ? wordWrap(line, cols() - 1, 3, glyphs.ellipsis) : [line];
      stream.write(`${lines.join("\n")}\n`);
    },
    onScenarioStart(scenario: ScenarioStart) {
      const where = whereLabel(scenario);
      running.set(`${scenario.id}\u0000${where}`, printable(`${scenario.id} (${where})`));
      if (!live) return;
      clearLive();
      drawLive();
    },
    onResult(result: ScenarioResult) {
      done++;
      if (isFailing(result.status)) failing++;
      if (result.status === "inconclusive") inconclusive++;
      if (quiet) return;
      running.delete(`${result.scenario.id}\u0000${whereOf(result)}`);
      const where = printable(whereOf(result));
      const id = printable(result.scenario.id);
      const mark = glyphs.marks[result.status];
      const restart = describeRestart(result);
      if (!live) {
        stream.write(
          `${mark} ${padEnd(result.status, STATUS_WIDTH)} ${id}  ${where}  ${formatDuration(result.durationMs)}\n`,
        );
        if (restart) stream.write(`  ${printable(restart)}\n`);
        return;
      }
      clearLive();
      // A restart stays on screen: the next scenarios ran on a fresh backend.
      if (restart)
        stream.write(`${truncate(`${id}  ${where}: ${printable(restart)}`, cols() - 1, glyphs.ellipsis)}\n`);
      // Failures and inconclusive results stay on screen as they happen; the rest only move the
      // live line along.
      if (needsAttention(result.status)) {
        const line = `${mark} ${id}  ${where}${isExpected(result) ? "  (expected)" : ""}`;
        stream.write(`${paint.status(result.status, truncate(line, cols() - 1, glyphs.ellipsis))}\n`);
      }
      lastFinished = `${mark} ${id} (${where})`;
      drawLive();
    },
    async onFinish(run: RunResult, finish: FinishOptions): Promise<FinishOutput> {
      clearLive();
      const render: ConsoleRenderOptions = { columns: cols(), color, unicode };
      if (finish.previous) render.previous = finish.previous;
      stream.write(renderConsoleSummary(run, render));
      return { files: [] };
    },
  };
}

/** Matrix, failures with their evidence, totals, and (with a previous run) the regressions line. */
export function renderConsoleSummary(run: RunResult, options: ConsoleRenderOptions): string {
  const glyphs = options.unicode ? UNICODE : ASCII;
  const paint = makePaint(options.color);
  const columns = options.columns;
  const lines: string[] = [];
  const matrix = buildMatrix(run.results);
  if (matrix.rows.length > 0) lines.push("", ...renderMatrix(matrix, columns, glyphs, paint));
  const problems = run.results.filter((result) => isFailing(result.status));
  if (problems.length > 0) {
    lines.push("", paint.bold("Failures"));
    for (const result of problems) lines.push(...renderProblem(result, columns, glyphs, paint));
  }
  const restarted = restarts(run.results);
  if (restarted.length > 0) {
    lines.push("", paint.bold("Backend restarts"));
    for (const result of restarted) lines.push(...renderRestart(result, columns, glyphs, paint));
  }
  const unsure = run.results.filter((result) => result.status === "inconclusive");
  if (unsure.length > 0) {
    lines.push("", paint.bold("Inconclusive (no deciding check could apply: not a pass)"));
    for (const result of unsure) lines.push(...renderProblem(result, columns, glyphs, paint));
  }
  const notRun = run.results.filter((result) => result.status === "not-applicable");
  if (notRun.length > 0) {
    lines.push("", paint.bold("Not applicable (did not run)"));
    lines.push(...renderNotApplicable(notRun, columns, glyphs, paint));
  }
  lines.push("", ...renderTotals(run, columns, glyphs, paint));
  if (options.previous) lines.push(...renderChanges(run, options.previous, columns, glyphs, paint));
  return `${lines.join("\n")}\n`;
}

function renderMatrix(matrix: Matrix, columns: number, glyphs: Glyphs, paint: Paint): string[] {
  const labels = matrix.columns.map((column) => printable(column.label));
  const rowLabels = matrix.rows.map((row) => `${printable(row.id)}  ${printable(row.title)}`);
  const longestRow = Math.max(...rowLabels.map(width));
  const minRowLabel = Math.min(longestRow, 24);
  const namedWidth = labels.reduce((sum, label) => sum + Math.max(width(label), 2) + 2, 0);
  // Column names as headers when they fit next to a readable row label; else numbers and a legend.
  const numbered = minRowLabel + namedWidth > columns;
  const headers = numbered ? labels.map((_, i) => String(i + 1)) : labels;
  const cellWidths = headers.map((header) => Math.max(width(header), 2) + 2);
  const cellsWidth = cellWidths.reduce((a, b) => a + b, 0);
  const labelWidth = Math.max(Math.min(longestRow, columns - cellsWidth), 12);
  const out: string[] = [];
  const header =
    padEnd("", labelWidth) + headers.map((h, i) => padEnd(`  ${h}`, cellWidths[i] ?? 0)).join("");
  out.push(paint.dim(header.trimEnd()));
  matrix.rows.forEach((row, r) => {
    let line = padEnd(truncate(rowLabels[r] ?? "", labelWidth, glyphs.ellipsis), labelWidth);
    matrix.columns.forEach((column, c) => {
      const result = row.cells.get(column.key);
      const status: Mark = result ? result.status : "none";
      const mark =
        glyphs.marks[status] + (result && isFailing(result.status) && isExpected(result) ? "*" : "");
      const cell = padEnd(mark, (cellWidths[c] ?? 4) - 2);
      line += `  ${paint.status(status, c === matrix.columns.length - 1 ? cell.trimEnd() : cell)}`;
    });
    out.push(line);
  });
  if (numbered) {
    labels.forEach((label, i) => {
      out.push(paint.dim(truncate(`  ${i + 1} = ${label}`, columns, glyphs.ellipsis)));
    });
  }
  const m = glyphs.marks;
  const legend = [
    `${m.pass} pass`,
    `${m.fail} fail`,
    `${m.error} error`,
    `${m.inconclusive} inconclusive`,
    `${m["not-applicable"]} not applicable`,
    `${m.skipped} skipped`,
  ];
  if (matrix.rows.some((row) => [...row.cells.values()].some((r) => r.status === "interrupted"))) {
    legend.push(`${m.interrupted} interrupted`);
  }
  legend.push(`${m.none} not run`);
  if (matrix.rows.some((row) => [...row.cells.values()].some((r) => isFailing(r.status) && isExpected(r)))) {
    legend.push("* expected on this backend");
  }
  for (const line of joinWrapped(legend, "  ", columns)) out.push(paint.dim(line));
  return out;
}

function renderProblem(result: ScenarioResult, columns: number, glyphs: Glyphs, paint: Paint): string[] {
  const out: string[] = [];
  const cut = (text: string) => truncate(text, columns, glyphs.ellipsis);
  const head = `${glyphs.marks[result.status]} ${printable(result.scenario.id)} ${glyphs.dash} ${printable(result.scenario.title)}`;
  out.push(paint.status(result.status, cut(head)));
  const where = [whereOf(result), result.scenario.incident, formatDuration(result.durationMs)]
    .filter(Boolean)
    .map(printable);
  if (isExpected(result)) where.push("expected on this backend");
  for (const line of joinWrapped(where, glyphs.sep, columns - 2)) out.push(paint.dim(`  ${line}`));
  if (result.status === "error") out.push(cut(`  error: ${printable(result.reason ?? "no reason given")}`));
  const checkMark = result.status === "inconclusive" ? glyphs.marks["not-applicable"] : glyphs.marks.fail;
  for (const check of verdictChecks(result)) {
    // The summary is the verdict in words: wrap it rather than lose its end.
    const summary = `${checkMark} ${printable(check.check)}: ${printable(check.summary)}`;
    for (const [i, line] of wordWrap(summary, columns - 4, SUMMARY_LINES, glyphs.ellipsis).entries()) {
      out.push(i === 0 ? `  ${line}` : `    ${line}`);
    }
    // Which box broke it, before the bytes: the first thing a reader of a cut stream asks.
    for (const text of hopLines(check)) {
      for (const line of wordWrap(printable(text), columns - 6, SUMMARY_LINES, glyphs.ellipsis)) {
        out.push(`      ${line}`);
      }
    }
    for (const evidence of check.evidence.slice(0, EVIDENCE_PER_CHECK)) {
      // The bytes are the point of the evidence: wrap them rather than cut them at the first line.
      const text = `${printable(evidence.label)}: ${printable(evidence.value)}`;
      for (const line of hardWrap(text, Math.max(20, columns - 6), EVIDENCE_LINES, glyphs.ellipsis)) {
        out.push(paint.dim(`      ${line}`));
      }
    }
    const more = check.evidence.length - EVIDENCE_PER_CHECK;
    if (more > 0) out.push(paint.dim(cut(`      ${plural(more, "more evidence item")} in results.json`)));
  }
  if (result.hopsUnavailable && result.status === "fail") {
    out.push(paint.dim(cut(`  hops unavailable: ${printable(result.hopsUnavailable)}`)));
  }
  return out;
}

/** Where the backend died and what it said last: the crash is evidence of that scenario. */
function renderRestart(result: ScenarioResult, columns: number, glyphs: Glyphs, paint: Paint): string[] {
  const head = `${printable(result.scenario.id)} (${printable(whereOf(result))}): ${printable(describeRestart(result) ?? "")}`;
  const out = wordWrap(head, columns - 2, SUMMARY_LINES, glyphs.ellipsis).map((line) => `  ${line}`);
  for (const line of restartLines(result))
    out.push(paint.dim(truncate(`    ${printable(line)}`, columns, glyphs.ellipsis)));
  return out;
}

/** One line per scenario and reason, the backends and edges it did not apply to after it. */
function renderNotApplicable(
  results: ScenarioResult[],
  columns: number,
  glyphs: Glyphs,
  paint: Paint,
): string[] {
  const out: string[] = [];
  for (const { id, reason, where } of notApplicableGroups(results)) {
    const text = `${glyphs.marks["not-applicable"]} ${printable(id)} ${glyphs.dash} ${printable(reason)} (${where.map(printable).join(", ")})`;
    for (const [i, line] of wordWrap(text, columns - 4, SUMMARY_LINES, glyphs.ellipsis).entries()) {
      out.push(paint.dim(i === 0 ? line : `    ${line}`));
    }
  }
  return out;
}

function renderTotals(run: RunResult, columns: number, glyphs: Glyphs, paint: Paint): string[] {
  const s = run.summary;
  const expected = run.results.filter((r) => isFailing(r.status) && isExpected(r)).length;
  // Wrapped by the plain width of each part, so escape codes do not count as width.
  const parts: [Mark | "bold", string][] = [
    ["bold", `${plural(s.total, "result")}:`],
    [s.passed > 0 ? "pass" : "none", `${s.passed} passed,`],
    [s.failed > 0 ? "fail" : "none", `${s.failed} failed${expected > 0 ? ` (${expected} expected)` : ""},`],
    [s.errored > 0 ? "error" : "none", `${plural(s.errored, "error")},`],
    [s.inconclusive > 0 ? "inconclusive" : "none", `${s.inconclusive} inconclusive,`],
    ["not-applicable", `${s.notApplicable} not applicable,`],
    ["skipped", `${s.skipped} skipped${s.interrupted > 0 ? "," : ""}`],
    ...(s.interrupted > 0 ? [["interrupted", `${s.interrupted} interrupted`] as [Mark, string]] : []),
    ["none", `${glyphs.sep.trim()} ${formatDuration(run.durationMs)}`],
  ];
  const lines: string[] = [];
  let current: string[] = [];
  let used = 0;
  for (const [style, text] of parts) {
    const w = width(text);
    if (current.length > 0 && used + 1 + w > columns) {
      lines.push(current.join(" "));
      current = [];
      used = 0;
    }
    used += (current.length > 0 ? 1 : 0) + w;
    current.push(style === "bold" ? paint.bold(text) : paint.status(style, text));
  }
  if (current.length > 0) lines.push(current.join(" "));
  return lines;
}

function renderChanges(
  run: RunResult,
  previous: RunResult,
  columns: number,
  glyphs: Glyphs,
  paint: Paint,
): string[] {
  const diff = compareRuns(run, previous);
  const n = diff.newlyFailing.length;
  const head = n > 0 ? `${plural(n, "regression")} since last run` : "no regressions since last run";
  const rest = [
    diff.newlyPassing.length > 0 ? `${diff.newlyPassing.length} newly passing` : "",
    diff.stillFailing.length > 0 ? `${diff.stillFailing.length} still failing` : "",
    diff.added.length > 0 ? `${diff.added.length} new` : "",
    diff.removed.length > 0 ? `${diff.removed.length} removed` : "",
  ].filter(Boolean);
  const line = truncate(rest.length > 0 ? `${head} (${rest.join(", ")})` : head, columns, glyphs.ellipsis);
  const out = [paint.status(n > 0 ? "fail" : "pass", line)];
  for (const item of diff.newlyFailing.slice(0, 10)) {
    const where = whereLabel(item);
    const text = `  ${printable(item.id)} on ${printable(where)}: ${item.previousStatus} ${glyphs.arrow} ${item.status}`;
    out.push(truncate(text, columns, glyphs.ellipsis));
  }
  if (n > 10) out.push(`  ${glyphs.ellipsis} and ${n - 10} more`);
  return out;
}

function whereOf(result: ScenarioResult): string {
  return whereLabel(result);
}
