import type { RunResult, ScenarioResult, ScenarioStatus } from "../harness/results.ts";
import { compareRuns } from "./compare.ts";
import { buildMatrix, failingChecks, isExpected, isFailing, type Matrix } from "./internal/matrix.ts";
import { formatDuration, padEnd, plural, printable, truncate, width } from "./internal/text.ts";
import type { FinishOptions, FinishOutput, Reporter, ReporterOptions, RunPlan } from "./reporter.ts";

type Mark = ScenarioStatus | "none";

const UNICODE_MARKS: Record<Mark, string> = { pass: "✓", fail: "✗", error: "!", skipped: "-", none: "·" };
const ASCII_MARKS: Record<Mark, string> = { pass: "+", fail: "x", error: "!", skipped: "-", none: "." };

/** Evidence items shown per failing check; the rest are in results.json and report.html. */
const EVIDENCE_PER_CHECK = 4;

interface Paint {
  status(status: Mark, text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const SGR: Record<Mark | "dim" | "bold", [number, number]> = {
  pass: [32, 39],
  fail: [31, 39],
  error: [33, 39],
  skipped: [2, 22],
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

/** https://no-color.org: any non-empty NO_COLOR turns colors off. */
export function colorEnabled(options: Pick<ReporterOptions, "isTTY" | "color" | "env">): boolean {
  const env = options.env ?? process.env;
  return options.isTTY && options.color !== false && !env.NO_COLOR;
}

export function createConsoleReporter(options: ReporterOptions): Reporter {
  const stream = options.stream;
  const columns = Math.max(40, options.columns ?? stream.columns ?? 100);
  const color = colorEnabled(options);
  const unicode = options.unicode ?? true;
  const marks = unicode ? UNICODE_MARKS : ASCII_MARKS;
  const paint = makePaint(color);
  const live = options.isTTY;
  const quiet = !live && options.progress === "quiet";
  let total = 0;
  let done = 0;
  let failing = 0;
  let liveLineShown = false;

  const clearLive = () => {
    if (liveLineShown) stream.write("\r\x1b[2K");
    liveLineShown = false;
  };

  return {
    name: "console",
    onStart(plan: RunPlan) {
      total = plan.total;
      if (quiet) return;
      const line = `streamchaos: ${plural(plan.total, "result")} to run (${plural(plan.scenarios, "scenario")} on ${plan.backends.join(", ") || "no backend"} via ${plan.edges.join(", ") || "no edge"})`;
      if (live) {
        stream.write(`${truncate(printable(line), columns - 1)}\n`);
      } else {
        stream.write(`${printable(line)}\n`);
      }
    },
    onResult(result: ScenarioResult) {
      done++;
      if (isFailing(result.status)) failing++;
      if (quiet) return;
      const where = printable(`${result.backend}/${result.edge}${profileSuffix(result)}`);
      const id = printable(result.scenario.id);
      const mark = marks[result.status];
      if (!live) {
        stream.write(
          `${mark} ${padEnd(result.status, 7)} ${id}  ${where}  ${formatDuration(result.durationMs)}\n`,
        );
        return;
      }
      clearLive();
      // Failures stay on screen as they happen; passes only move the live line along.
      if (isFailing(result.status)) {
        const line = `${mark} ${id}  ${where}${isExpected(result) ? "  (expected)" : ""}`;
        stream.write(`${paint.status(result.status, truncate(line, columns - 1))}\n`);
      }
      const counter = total > 0 ? `[${done}/${total}]` : `[${done}]`;
      const failures = failing > 0 ? paint.status("fail", `${failing} failing`) : "0 failing";
      const head = `${counter} ${failures} · `;
      const plainHeadWidth = width(`${counter} ${failing} failing · `);
      const current = truncate(`${mark} ${id} (${where})`, Math.max(10, columns - 1 - plainHeadWidth));
      stream.write(`${head}${current}`);
      liveLineShown = true;
    },
    async onFinish(run: RunResult, finish: FinishOptions): Promise<FinishOutput> {
      clearLive();
      const render: ConsoleRenderOptions = { columns, color, unicode };
      if (finish.previous) render.previous = finish.previous;
      stream.write(renderConsoleSummary(run, render));
      return { files: [] };
    },
  };
}

/** Matrix, failures with their evidence, totals, and (with a previous run) the regressions line. */
export function renderConsoleSummary(run: RunResult, options: ConsoleRenderOptions): string {
  const marks = options.unicode ? UNICODE_MARKS : ASCII_MARKS;
  const paint = makePaint(options.color);
  const lines: string[] = [];
  const matrix = buildMatrix(run.results);
  if (matrix.rows.length > 0) {
    lines.push("", ...renderMatrix(matrix, options.columns, marks, paint));
  }
  const problems = run.results.filter((result) => isFailing(result.status));
  if (problems.length > 0) {
    lines.push("", paint.bold("Failures"));
    for (const result of problems) lines.push(...renderProblem(result, options.columns, marks, paint));
  }
  lines.push("", renderTotals(run, paint));
  if (options.previous) lines.push(...renderChanges(run, options.previous, options.columns, paint));
  return `${lines.join("\n")}\n`;
}

function renderMatrix(matrix: Matrix, columns: number, marks: Record<Mark, string>, paint: Paint): string[] {
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
  const labelWidth = Math.max(Math.min(longestRow, columns - cellsWidth - 1), 12);
  const out: string[] = [];
  out.push(
    paint
      .dim(
        padEnd("", labelWidth) +
          headers.map((header, i) => padEnd(`  ${header}`, cellWidths[i] ?? 0)).join(""),
      )
      .trimEnd(),
  );
  matrix.rows.forEach((row, r) => {
    let line = padEnd(truncate(rowLabels[r] ?? "", labelWidth), labelWidth);
    matrix.columns.forEach((column, c) => {
      const result = row.cells.get(column.key);
      const status: Mark = result ? result.status : "none";
      const mark = marks[status] + (result && isFailing(result.status) && isExpected(result) ? "*" : "");
      line += "  " + paint.status(status, padEnd(mark, (cellWidths[c] ?? 4) - 2));
    });
    out.push(line.trimEnd());
  });
  if (numbered) {
    labels.forEach((label, i) => {
      out.push(paint.dim(truncate(`  ${i + 1} = ${label}`, columns)));
    });
  }
  const legend = `${marks.pass} pass  ${marks.fail} fail  ${marks.error} error  ${marks.skipped} skipped  ${marks.none} not run`;
  const anyExpected = matrix.rows.some((row) =>
    [...row.cells.values()].some((result) => isFailing(result.status) && isExpected(result)),
  );
  out.push(paint.dim(legend + (anyExpected ? "  * expected on this backend" : "")));
  return out;
}

function renderProblem(
  result: ScenarioResult,
  columns: number,
  marks: Record<Mark, string>,
  paint: Paint,
): string[] {
  const out: string[] = [];
  const cut = (text: string, indent: number) => truncate(text, columns - indent);
  const head = `${marks[result.status]} ${printable(result.scenario.id)} — ${printable(result.scenario.title)}`;
  out.push(paint.status(result.status, cut(head, 0)));
  const where = [
    `${result.backend}/${result.edge}${profileSuffix(result)}`,
    result.scenario.incident,
    formatDuration(result.durationMs),
  ]
    .filter(Boolean)
    .map(printable)
    .join(" · ");
  const expected = isExpected(result) ? " · expected on this backend" : "";
  out.push(paint.dim(cut(`  ${where}${expected}`, 0)));
  if (result.status === "error") {
    out.push(cut(`  error: ${printable(result.reason ?? "no reason given")}`, 0));
  }
  for (const check of failingChecks(result)) {
    out.push(cut(`  ${marks.fail} ${printable(check.check)}: ${printable(check.summary)}`, 0));
    for (const evidence of check.evidence.slice(0, EVIDENCE_PER_CHECK)) {
      out.push(paint.dim(cut(`      ${printable(evidence.label)}: ${printable(evidence.value)}`, 0)));
    }
    const more = check.evidence.length - EVIDENCE_PER_CHECK;
    if (more > 0) out.push(paint.dim(`      … ${plural(more, "more evidence item")} in results.json`));
  }
  return out;
}

function renderTotals(run: RunResult, paint: Paint): string {
  const s = run.summary;
  const expectedFailures = run.results.filter((r) => isFailing(r.status) && isExpected(r)).length;
  const parts = [
    paint.status(s.passed > 0 ? "pass" : "none", `${s.passed} passed`),
    paint.status(
      s.failed > 0 ? "fail" : "none",
      `${s.failed} failed${expectedFailures > 0 ? ` (${expectedFailures} expected)` : ""}`,
    ),
    paint.status(s.errored > 0 ? "error" : "none", plural(s.errored, "error")),
    paint.status("skipped", `${s.skipped} skipped`),
  ];
  return `${paint.bold(plural(s.total, "result"))}: ${parts.join(", ")} · ${formatDuration(run.durationMs)}`;
}

function renderChanges(run: RunResult, previous: RunResult, columns: number, paint: Paint): string[] {
  const diff = compareRuns(run, previous);
  const n = diff.newlyFailing.length;
  const head =
    n > 0
      ? paint.status("fail", `${plural(n, "regression")} since last run`)
      : paint.status("pass", "no regressions since last run");
  const rest = [
    diff.newlyPassing.length > 0 ? `${diff.newlyPassing.length} newly passing` : "",
    diff.stillFailing.length > 0 ? `${diff.stillFailing.length} still failing` : "",
    diff.added.length > 0 ? `${diff.added.length} new` : "",
    diff.removed.length > 0 ? `${diff.removed.length} removed` : "",
  ].filter(Boolean);
  const out = [rest.length > 0 ? `${head} (${rest.join(", ")})` : head];
  for (const item of diff.newlyFailing.slice(0, 10)) {
    const where = `${item.backend}/${item.edge}${item.profile ? `:${item.profile}` : ""}`;
    out.push(
      truncate(
        `  ${printable(item.id)} on ${printable(where)}: ${item.previousStatus} → ${item.status}`,
        columns,
      ),
    );
  }
  if (n > 10) out.push(`  … and ${n - 10} more`);
  return out;
}

function profileSuffix(result: ScenarioResult): string {
  return result.profile && result.profile !== "default" ? `:${result.profile}` : "";
}
