import { failsRun, type RunResult, type ScenarioResult, type ScenarioStatus } from "../harness/results.ts";
import { type ComparedResult, compareRuns } from "./compare.ts";
import { hopCells, hopLines } from "./internal/hops.ts";
import {
  buildMatrix,
  isExpected,
  isFailing,
  needsAttention,
  notApplicableGroups,
  verdictChecks,
  whereLabel,
} from "./internal/matrix.ts";
import { writeReportFile } from "./internal/output.ts";
import { describeRestart, restartLines, restarts } from "./internal/restart.ts";
import { formatDuration, plural, printable, sliceUnits } from "./internal/text.ts";
import type { FinishOptions, FinishOutput, Reporter } from "./reporter.ts";

export const MARKDOWN_FILE = "summary.md";

/** GitHub rejects issue and PR comments longer than 65,536 characters; keep a margin for wrappers. */
export const GITHUB_COMMENT_LIMIT = 65_536;
const BUDGET = GITHUB_COMMENT_LIMIT - 1_536;

const ICON: Record<ScenarioStatus, string> = {
  pass: "✅",
  fail: "❌",
  error: "⚠️",
  inconclusive: "❔",
  "not-applicable": "➖",
  skipped: "⏭️",
  interrupted: "⏹️",
};

/** Evidence caps tried in turn until every failure fits the budget. */
const EVIDENCE_CAPS = [600, 240, 100] as const;
const LIST_MAX = 30;

/**
 * Ends every summary.md, invisible once rendered: a sticky-comment action (or a script) finds the
 * comment it posted last time by it and edits that one instead of adding another per push.
 */
export const STICKY_MARKER = "<!-- streamchaos-summary -->";

export interface MarkdownOptions {
  previous?: RunResult;
  /** Where the HTML report is published (`--report-url`): linked under the headline. */
  reportUrl?: string;
  /** Size limit in characters (UTF-16 units, which never undercount GitHub's count). */
  limit?: number;
}

/**
 * A PR comment: the headline and the matrix always fit; failure details are added while they fit,
 * with evidence cut shorter first, then whole failures left out, and the reader told so.
 */
export function renderMarkdown(run: RunResult, options: MarkdownOptions = {}): string {
  const limit = (options.limit ?? BUDGET) - STICKY_MARKER.length - 1;
  return `${renderBody(run, options, limit)}${STICKY_MARKER}\n`;
}

function renderBody(run: RunResult, options: MarkdownOptions, limit: number): string {
  const head = [renderHeadline(run, options.reportUrl), "", ...renderTable(run)];
  if (options.previous) head.push("", ...renderChanges(run, options.previous));
  head.push(...renderRestarts(run));
  // Unexpected failures first: those are what the PR author has to look at; inconclusive results
  // (no verdict) after the failures.
  const rank = (result: ScenarioResult) =>
    result.status === "inconclusive" ? 2 : Number(isExpected(result));
  const failures = groupFailures(run.results.filter((result) => needsAttention(result.status))).sort(
    (a, b) => rank(a[0]!) - rank(b[0]!),
  );
  const notApplicable = renderNotApplicable(run);
  if (notApplicable.length > 0) head.push("", ...notApplicable);
  let text = head.join("\n");
  if (failures.length === 0) return `${text}\n`;
  const unsure = failures.filter((group) => group[0]!.status === "inconclusive").length;
  const heading =
    unsure === 0
      ? `Failures (${failures.length})`
      : unsure === failures.length
        ? `Inconclusive (${unsure})`
        : `Failures (${failures.length - unsure}) and inconclusive results (${unsure})`;
  text += `\n\n### ${heading}\n`;
  const footerFor = (omitted: number, cut: boolean) => {
    const notes: string[] = [];
    if (cut) notes.push("long evidence was cut to fit a GitHub comment");
    if (omitted > 0) notes.push(`${plural(omitted, "more failure")} not shown`);
    return notes.length
      ? `\n> ${notes.join("; ")}: the full evidence is in \`results.json\` and \`report.html\`.\n`
      : "";
  };
  for (const cap of EVIDENCE_CAPS) {
    const blocks = failures.map((group) => renderFailure(group, cap));
    const cut = blocks.some((block) => block.cut);
    const all = text + blocks.map((b) => b.text).join("") + footerFor(0, cut);
    if (all.length <= limit) return all;
  }
  // Even the shortest evidence does not fit: keep whole failures while they fit, say how many are left.
  const cap = EVIDENCE_CAPS[EVIDENCE_CAPS.length - 1] ?? 100;
  let body = text;
  let shown = 0;
  for (const group of failures) {
    const block = renderFailure(group, cap).text;
    if ((body + block + footerFor(failures.length - shown - 1, true)).length > limit) break;
    body += block;
    shown++;
  }
  const final = body + footerFor(failures.length - shown, true);
  return final.length <= limit
    ? final
    : `${sliceUnits(final, limit - 80)}\n\n> report cut at ${limit} characters.\n`;
}

/**
 * One block per scenario × backend (and kind: an expected failure apart from a surprise), listing
 * every edge it failed on: a scenario broken on three edges is one thing to fix, not three.
 */
export function groupFailures(results: readonly ScenarioResult[]): ScenarioResult[][] {
  const groups = new Map<string, ScenarioResult[]>();
  for (const result of results) {
    const key = `${result.scenario.id}\u0000${result.backend}\u0000${result.status}\u0000${isExpected(result)}`;
    groups.set(key, [...(groups.get(key) ?? []), result]);
  }
  return [...groups.values()];
}

function renderHeadline(run: RunResult, reportUrl?: string): string {
  const s = run.summary;
  // Green only when the run exits 0: failures the bug matrix expected do not turn the headline
  // red; an inconclusive result makes it a question mark (red when the run exits 1 for it anyway).
  const blocking = run.results.filter((result) => failsRun(result, run));
  const icon =
    blocking.length === 0
      ? s.inconclusive > 0
        ? "❔"
        : "✅"
      : blocking.every((result) => result.status === "inconclusive")
        ? "❔"
        : "❌";
  const expected = run.results.filter((r) => isFailing(r.status) && isExpected(r)).length;
  const parts = [
    `**${s.passed} passed**`,
    `**${s.failed} failed**${expected > 0 ? ` (${expected} expected)` : ""}`,
    `${plural(s.errored, "error")}`,
    s.inconclusive > 0 ? `**${s.inconclusive} inconclusive**` : "0 inconclusive",
    `${s.notApplicable} not applicable`,
    `${s.skipped} skipped`,
    ...(s.interrupted > 0 ? [`${s.interrupted} interrupted`] : []),
  ];
  const link = reportUrl ? ` · [full HTML report](${reportUrl.replace(/[()\s]/g, encodeURIComponent)})` : "";
  return `## ${icon} streamchaos: ${parts.join(", ")}\n\n${plural(s.total, "result")} in ${formatDuration(run.durationMs)} · streamchaos ${inline(run.tool.version)}${link}`;
}

function renderTable(run: RunResult): string[] {
  const matrix = buildMatrix(run.results);
  if (matrix.rows.length === 0) return ["_No scenario ran._"];
  const out = [
    `| scenario | ${matrix.columns.map((c) => inline(c.label)).join(" | ")} |`,
    `|---|${matrix.columns.map(() => ":-:").join("|")}|`,
  ];
  // Rows where everything passed (or did not run) are counted, not drawn: the table is for what
  // needs someone's attention.
  const shown = matrix.rows.filter((row) =>
    [...row.cells.values()].some((r) => needsAttention(r.status) || r.status === "interrupted"),
  );
  if (shown.length === 0) {
    return [`_Every one of ${plural(matrix.rows.length, "scenario")} passed or did not apply._`];
  }
  for (const row of shown) {
    const cells = matrix.columns.map((column) => {
      const result = row.cells.get(column.key);
      if (!result) return "·";
      return ICON[result.status] + (isFailing(result.status) && isExpected(result) ? "\\*" : "");
    });
    out.push(`| ${inline(row.id)} ${cell(row.title)} | ${cells.join(" | ")} |`);
  }
  const anyExpected = run.results.some((r) => isFailing(r.status) && isExpected(r));
  const anyInterrupted = run.results.some((r) => r.status === "interrupted");
  const hidden = matrix.rows.length - shown.length;
  if (hidden > 0) out.push("", `${plural(hidden, "more scenario")} passed or did not apply on every column.`);
  out.push(
    "",
    `<sub>✅ pass · ❌ fail · ⚠️ error · ❔ inconclusive · ➖ not applicable · ⏭️ skipped${anyInterrupted ? " · ⏹️ interrupted" : ""} · · not run${anyExpected ? " · \\* expected on this backend" : ""}</sub>`,
  );
  return out;
}

/** Why scenarios did not run on a backend: one line per scenario and reason, not a block per result. */
function renderNotApplicable(run: RunResult): string[] {
  const groups = notApplicableGroups(run.results);
  if (groups.length === 0) return [];
  const out = [`<details><summary>➖ Not applicable (${groups.length}): did not run</summary>`, ""];
  for (const { id, reason, where } of groups.slice(0, LIST_MAX)) {
    out.push(`- ${inline(id)} on ${where.map(inline).join(", ")}: ${cell(reason)}`);
  }
  if (groups.length > LIST_MAX) out.push(`- … and ${groups.length - LIST_MAX} more`);
  out.push("", "</details>");
  return out;
}

function renderChanges(run: RunResult, previous: RunResult): string[] {
  const diff = compareRuns(run, previous);
  const out = ["### Changes since last run", ""];
  const groups: [string, ComparedResult[]][] = [
    ["🔴 Newly failing", diff.newlyFailing],
    ["🟢 Newly passing", diff.newlyPassing],
    ["🟠 Still failing", diff.stillFailing],
    ["🆕 New", diff.added],
    ["🗑️ Removed", diff.removed],
  ];
  if (groups.every(([heading, items]) => items.length === 0 || heading.endsWith("Still failing"))) {
    out.push("No regressions, fixes, new or removed results since last run.", "");
  }
  for (const [heading, items] of groups) {
    if (items.length === 0) continue;
    out.push(`**${heading} (${items.length})**`, "");
    for (const item of items.slice(0, LIST_MAX)) {
      const where = whereLabel(item);
      const move =
        item.previousStatus && item.status
          ? `${item.previousStatus} → ${item.status}`
          : (item.status ?? item.previousStatus ?? "");
      out.push(`- ${inline(item.id)} on ${inline(where)}: ${move}`);
    }
    if (items.length > LIST_MAX) out.push(`- … and ${items.length - LIST_MAX} more`);
    out.push("");
  }
  return out;
}

/** Every backend death, with the scenario it is evidence of and its last lines. */
function renderRestarts(run: RunResult): string[] {
  const restarted = restarts(run.results);
  if (restarted.length === 0) return [];
  const out = ["", `### Backend restarts (${restarted.length})`, ""];
  for (const result of restarted.slice(0, LIST_MAX)) {
    const where = whereLabel({
      backend: result.backend,
      edge: result.edge,
      ...(result.client ? { client: result.client } : {}),
    });
    out.push(`- ${inline(result.scenario.id)} on ${inline(where)}: ${cell(describeRestart(result) ?? "")}`);
    const lines = restartLines(result, 4);
    if (lines.length) out.push("", ...fence(lines.map(printable).join("\n")).map((l) => `  ${l}`), "");
  }
  if (restarted.length > LIST_MAX) out.push(`- … and ${restarted.length - LIST_MAX} more`);
  return out;
}

export function edgeOf(result: ScenarioResult): string {
  const profile = result.profile && result.profile !== "default" ? `:${result.profile}` : "";
  return `${result.edge}${profile}${result.client && result.client !== "h1" ? ` (${result.client})` : ""}`;
}

/** What an edge's verdict said, to tell an edge that failed the same way from one that did not. */
function verdictOf(result: ScenarioResult): string {
  return JSON.stringify([result.reason, verdictChecks(result).map((c) => [c.check, c.summary])]);
}

function renderFailure(group: readonly ScenarioResult[], cap: number): { text: string; cut: boolean } {
  let cut = false;
  const first = group[0]!;
  const edges = group.map(edgeOf).join(", ");
  const expected = isExpected(first) ? " (expected on this backend)" : "";
  const lines = [
    "",
    "<details>",
    `<summary>${ICON[first.status]} <code>${html(first.scenario.id)}</code> on <code>${html(first.backend)}</code> via <code>${html(edges)}</code>: ${html(first.scenario.title)}${html(expected)}</summary>`,
    "",
  ];
  const meta = [
    first.scenario.incident,
    first.scenario.category,
    group.length === 1 ? formatDuration(first.durationMs) : "",
  ]
    .filter(Boolean)
    .map((m) => cell(m));
  lines.push(paragraph(meta.join(" · ")), "");
  const described: ScenarioResult[] = [];
  for (const result of group) {
    const same = described.find((other) => verdictOf(other) === verdictOf(result));
    const header =
      group.length > 1 ? `**via ${inline(edgeOf(result))}** (${formatDuration(result.durationMs)})` : "";
    if (same) {
      lines.push(`${header}: the same verdict as via ${inline(edgeOf(same))}.`, "");
      continue;
    }
    described.push(result);
    if (header) lines.push(header, "");
    const block = renderVerdict(result, cap);
    cut ||= block.cut;
    lines.push(...block.lines);
  }
  lines.push("</details>", "");
  return { text: lines.join("\n"), cut };
}

function renderVerdict(result: ScenarioResult, cap: number): { lines: string[]; cut: boolean } {
  let cut = false;
  const lines: string[] = [];
  if (result.status === "error") lines.push(`**Error:** ${cell(result.reason ?? "no reason given")}`, "");
  if (result.status === "inconclusive") {
    lines.push("**Inconclusive:** none of the checks that decide this scenario could apply.", "");
  }
  for (const check of verdictChecks(result)) {
    const na = check.status === "not-applicable" ? " (not applicable)" : "";
    lines.push(`**${inline(check.check)}**${na}: ${cell(check.summary)}`, "");
    for (const line of hopLines(check)) lines.push(paragraph(`*${cell(line)}*`), "");
    if (check.evidence.length === 0) continue;
    const evidence: string[] = [];
    for (const item of check.evidence) {
      let value = printable(item.value);
      if (value.length > cap) {
        value = `${sliceUnits(value, cap)}… (${value.length - cap} more characters)`;
        cut = true;
      }
      evidence.push(`${printable(item.label)}: ${value}`);
    }
    lines.push(...fence(evidence.join("\n")), "");
  }
  lines.push(...renderHops(result));
  return { lines, cut };
}

/** What crossed each hop of a failing result (or why nothing was recorded). */
function renderHops(result: ScenarioResult): string[] {
  if (result.hopsUnavailable) return [`*Hops unavailable: ${cell(result.hopsUnavailable)}*`, ""];
  if (!result.hops?.length) return [];
  const rows = result.hops.map((hop) => {
    const c = hopCells(hop);
    return `| ${cell(c.hop)} | ${cell(c.bytes)} | ${cell(c.times)} | ${cell(c.framing)} | ${cell(c.ends)} |`;
  });
  return [
    "| hop | bytes ↑ ↓ | first – last byte | response as sent | ends (client / upstream) |",
    "|---|---|---|---|---|",
    ...rows,
    "",
  ];
}

/** Fenced block whose fence is longer than any backtick run inside, so evidence cannot close it. */
function fence(text: string): string[] {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(Math.max(3, longest + 1));
  return [ticks + "text", text, ticks];
}

/** Inline code span that survives backticks and pipes (GitHub tables split on `|` even in code). */
function inline(text: string): string {
  const value = printable(text).replace(/\|/g, "\\|");
  const longest = Math.max(0, ...(value.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = "`".repeat(longest + 1);
  const pad = value.startsWith("`") || value.endsWith("`") ? " " : "";
  return `${ticks}${pad}${value}${pad}${ticks}`;
}

/**
 * Plain text in a table cell or paragraph: GitHub renders inline HTML and Markdown, so HTML
 * specials become entities and Markdown punctuation is backslash-escaped.
 */
function cell(text: string): string {
  return html(printable(text)).replace(/([\\`*_[\]|~])/g, "\\$1");
}

/** Headings, lists and quotes only start at the beginning of a line: escape that spot only. */
function paragraph(text: string): string {
  return text.replace(/^([#+-]|\d+\.)/, (m) => (m.length > 1 ? m.replace(".", "\\.") : `\\${m}`));
}

function html(text: string): string {
  return printable(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/@/g, "@\u200b");
}

export function createMarkdownReporter(reporterOptions: { reportUrl?: string } = {}): Reporter {
  return {
    name: "markdown",
    writesFiles: true,
    async onFinish(run: RunResult, options: FinishOptions): Promise<FinishOutput> {
      const text = renderMarkdown(run, {
        ...(options.previous ? { previous: options.previous } : {}),
        ...(reporterOptions.reportUrl ? { reportUrl: reporterOptions.reportUrl } : {}),
      });
      return { files: [await writeReportFile("markdown", options.outDir, MARKDOWN_FILE, text, options)] };
    },
  };
}
