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

export interface MarkdownOptions {
  previous?: RunResult;
  /** Size limit in characters (UTF-16 units, which never undercount GitHub's count). */
  limit?: number;
}

/**
 * A PR comment: the headline and the matrix always fit; failure details are added while they fit,
 * with evidence cut shorter first, then whole failures left out, and the reader told so.
 */
export function renderMarkdown(run: RunResult, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? BUDGET;
  const head = [renderHeadline(run), "", ...renderTable(run)];
  if (options.previous) head.push("", ...renderChanges(run, options.previous));
  head.push(...renderRestarts(run));
  // Unexpected failures first: those are what the PR author has to look at; inconclusive results
  // (no verdict) after the failures.
  const rank = (result: ScenarioResult) =>
    result.status === "inconclusive" ? 2 : Number(isExpected(result));
  const failures = run.results
    .filter((result) => needsAttention(result.status))
    .sort((a, b) => rank(a) - rank(b));
  const notApplicable = renderNotApplicable(run);
  if (notApplicable.length > 0) head.push("", ...notApplicable);
  let text = head.join("\n");
  if (failures.length === 0) return `${text}\n`;
  const unsure = failures.filter((result) => result.status === "inconclusive").length;
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
    const blocks = failures.map((result) => renderFailure(result, cap));
    const cut = blocks.some((block) => block.cut);
    const all = text + blocks.map((b) => b.text).join("") + footerFor(0, cut);
    if (all.length <= limit) return all;
  }
  // Even the shortest evidence does not fit: keep whole failures while they fit, say how many are left.
  const cap = EVIDENCE_CAPS[EVIDENCE_CAPS.length - 1] ?? 100;
  let body = text;
  let shown = 0;
  for (const result of failures) {
    const block = renderFailure(result, cap).text;
    if ((body + block + footerFor(failures.length - shown - 1, true)).length > limit) break;
    body += block;
    shown++;
  }
  const final = body + footerFor(failures.length - shown, true);
  return final.length <= limit
    ? final
    : `${sliceUnits(final, limit - 80)}\n\n> report cut at ${limit} characters.\n`;
}

function renderHeadline(run: RunResult): string {
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
  return `## ${icon} streamchaos: ${parts.join(", ")}\n\n${plural(s.total, "result")} in ${formatDuration(run.durationMs)} · streamchaos ${inline(run.tool.version)}`;
}

function renderTable(run: RunResult): string[] {
  const matrix = buildMatrix(run.results);
  if (matrix.rows.length === 0) return ["_No scenario ran._"];
  const out = [
    `| scenario | ${matrix.columns.map((c) => inline(c.label)).join(" | ")} |`,
    `|---|${matrix.columns.map(() => ":-:").join("|")}|`,
  ];
  for (const row of matrix.rows) {
    const cells = matrix.columns.map((column) => {
      const result = row.cells.get(column.key);
      if (!result) return "·";
      return ICON[result.status] + (isFailing(result.status) && isExpected(result) ? "\\*" : "");
    });
    out.push(`| ${inline(row.id)} ${cell(row.title)} | ${cells.join(" | ")} |`);
  }
  const anyExpected = run.results.some((r) => isFailing(r.status) && isExpected(r));
  const anyInterrupted = run.results.some((r) => r.status === "interrupted");
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
      const where = `${item.backend}/${item.edge}${item.profile ? `:${item.profile}` : ""}`;
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
    const where = `${result.backend}/${result.edge}`;
    out.push(`- ${inline(result.scenario.id)} on ${inline(where)}: ${cell(describeRestart(result) ?? "")}`);
    const lines = restartLines(result, 4);
    if (lines.length) out.push("", ...fence(lines.map(printable).join("\n")).map((l) => `  ${l}`), "");
  }
  if (restarted.length > LIST_MAX) out.push(`- … and ${restarted.length - LIST_MAX} more`);
  return out;
}

function renderFailure(result: ScenarioResult, cap: number): { text: string; cut: boolean } {
  let cut = false;
  const where = `${result.backend}/${result.edge}${result.profile && result.profile !== "default" ? `:${result.profile}` : ""}`;
  const expected = isExpected(result) ? " (expected on this backend)" : "";
  const lines = [
    "",
    "<details>",
    `<summary>${ICON[result.status]} <code>${html(result.scenario.id)}</code> on <code>${html(where)}</code>: ${html(result.scenario.title)}${html(expected)}</summary>`,
    "",
  ];
  const meta = [result.scenario.incident, result.scenario.category, formatDuration(result.durationMs)]
    .filter(Boolean)
    .map((m) => cell(m));
  lines.push(paragraph(meta.join(" · ")), "");
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
  lines.push(...renderHops(result), "</details>", "");
  return { text: lines.join("\n"), cut };
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

export function createMarkdownReporter(): Reporter {
  return {
    name: "markdown",
    writesFiles: true,
    async onFinish(run: RunResult, options: FinishOptions): Promise<FinishOutput> {
      const text = renderMarkdown(run, options.previous ? { previous: options.previous } : {});
      return { files: [await writeReportFile("markdown", options.outDir, MARKDOWN_FILE, text, options)] };
    },
  };
}
