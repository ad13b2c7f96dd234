import { createHash } from "node:crypto";
import { basename, join, resolve } from "node:path";
import type { CheckResult, RunResult, ScenarioResult } from "../harness/results.ts";
import { type ComparedResult, compareRuns } from "./compare.ts";
import {
  EVIDENCE_CALLBACK,
  EVIDENCE_DIR,
  type EvidenceBody,
  type EvidenceFile,
  packEvidence,
  removeStaleEvidence,
} from "./internal/evidence-files.ts";
import { hopCells, hopLines } from "./internal/hops.ts";
import { bytesHtml, esc } from "./internal/html-escape.ts";
import {
  buildMatrix,
  isExpected,
  isFailing,
  needsAttention,
  STATUS_MARK,
  verdictChecks,
  whereLabel,
} from "./internal/matrix.ts";
import { writeReportFile } from "./internal/output.ts";
import { describeRestart, restartLines } from "./internal/restart.ts";
import { formatDuration, plural } from "./internal/text.ts";
import { MAX_DRAWN_EVENTS, offset, renderTimelineSvg } from "./internal/timeline-svg.ts";
import type { FinishOptions, FinishOutput, Reporter } from "./reporter.ts";

export const HTML_FILE = "report.html";

/**
 * Rows of the per-scenario event table (the SVG has its own cap). Passing results get fewer: a
 * catalog run has hundreds of them, and nobody reads their every chunk.
 */
const MAX_EVENT_ROWS = 2000;
const MAX_EVENT_ROWS_PASSING = 200;

/**
 * The report's one script: the search box; opening a result whose body is not in the page yet
 * (it is read from its evidence file beside the page, see internal/evidence-files.ts); and opening
 * the result a matrix link points at. The failures-only filter is CSS (:has), so it works even
 * where scripts are off.
 */
const SCRIPT = `(()=>{const q=document.getElementById("q"),n=document.getElementById("shown"),only=document.getElementById("failures-only");
const all=[...document.querySelectorAll("details.result")];
const apply=()=>{const words=q.value.toLowerCase().split(/\\s+/).filter(Boolean);let k=0;
for(const d of all){const hit=words.every(w=>d.dataset.key.includes(w));d.hidden=!hit;if(hit)k++;}
n.textContent=words.length?k+" of "+all.length+" results match":"";};
q.addEventListener("input",apply);
const run=document.documentElement.dataset.run,got=new Map(),files=new Map();
window.${EVIDENCE_CALLBACK}=(key,bodies)=>{if(key===run)for(const i of Object.keys(bodies))got.set(i,bodies[i]);};
const read=src=>{let p=files.get(src);if(!p){p=new Promise(ok=>{const s=document.createElement("script");s.src=src;s.onload=s.onerror=ok;document.head.append(s);});files.set(src,p);}return p;};
const fill=async d=>{const slot=d.querySelector(":scope>.lazy");if(!slot||slot.dataset.busy)return;slot.dataset.busy="1";const src=slot.dataset.src;
await read(src);const html=got.get(d.id.slice(2));
if(html===undefined){files.delete(src);slot.className="lazy reason";slot.textContent="Could not read "+src+" (missing, or written by another run): keep the ${EVIDENCE_DIR} folder beside this page. results.json holds the same evidence.";delete slot.dataset.busy;return;}
const t=document.createElement("template");t.innerHTML=html;slot.replaceWith(t.content);};
for(const d of all)d.addEventListener("toggle",()=>{if(d.open)fill(d);});
const show=()=>{const d=document.getElementById(location.hash.slice(1));if(!d||!d.matches("details.result"))return;
if(getComputedStyle(d).display==="none")only.checked=false;d.hidden=false;d.open=true;d.scrollIntoView();};
addEventListener("hashchange",show);show();})();`;

// A CSP that allows that script by its hash, and through 'strict-dynamic' the evidence files it
// adds, and nothing else: the report is opened from CI artifacts and mail attachments, and it
// quotes bytes an attacker-controlled provider could send.
const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-${createHash("sha256").update(SCRIPT).digest("base64")}' 'strict-dynamic'; base-uri 'none'; form-action 'none'`;

const STYLE = `
:root{--pass:#1a7f37;--fail:#cf222e;--error:#bf8700;--inconclusive:#8250df;--not-applicable:#6e7781;--skipped:#6e7781;--interrupted:#0969da;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0;padding:20px 28px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:14px;margin:14px 0 6px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.muted{color:var(--muted)}.totals span{margin-right:14px;font-weight:600}
.s-pass{color:var(--pass)}.s-fail{color:var(--fail)}.s-error{color:var(--error)}.s-inconclusive{color:var(--inconclusive)}.s-not-applicable{color:var(--not-applicable)}.s-skipped{color:var(--skipped)}.s-interrupted{color:var(--interrupted)}
table{border-collapse:collapse}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}
.matrix td.c{text-align:center;font-size:16px;font-weight:700;min-width:70px}.matrix td.c a{text-decoration:none;color:inherit;display:block}
.matrix td.c.pass{background:#dafbe1}.matrix td.c.fail{background:#ffebe9}.matrix td.c.error{background:#fff8c5}.matrix td.c.inconclusive{background:#fbefff}.matrix td.c.not-applicable,.matrix td.c.skipped{background:var(--soft)}.matrix td.c.interrupted{background:#ddf4ff}
.matrix .title{color:var(--muted);max-width:420px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.badge{display:inline-block;min-width:52px;text-align:center;border-radius:10px;padding:0 8px;color:#fff;font-size:12px;font-weight:700;margin-right:6px}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.error{background:var(--error)}.badge.inconclusive{background:var(--inconclusive)}.badge.not-applicable{background:var(--not-applicable)}.badge.skipped{background:var(--skipped)}.badge.interrupted{background:var(--interrupted)}
details.result{border:1px solid var(--line);border-radius:6px;margin:10px 0;padding:0 12px 10px}
details.result>summary{cursor:pointer;padding:8px 0;font-weight:600}details.result[open]>summary{border-bottom:1px solid var(--line);margin-bottom:8px}
details.result.fail{border-left:4px solid var(--fail)}details.result.error{border-left:4px solid var(--error)}details.result.inconclusive{border-left:4px solid var(--inconclusive)}
.checks td.st,.checks td.name{font-weight:700;white-space:nowrap}.checks td.name{font-weight:400}.checks td.na{color:var(--muted)}.checks .deciding{font-size:11px;color:var(--muted);margin-left:6px}
.ev{margin:4px 0 0;padding:0;list-style:none}.ev li{margin:2px 0}.ev .lbl{color:var(--muted)}
.ev code,.events code{white-space:pre-wrap;word-break:break-all;background:var(--soft);padding:1px 4px;border-radius:3px}
.reason{background:#fff8c5;border:1px solid #eac54f;padding:6px 10px;border-radius:6px}
svg.timeline{display:block;max-width:1200px;font:11px ui-monospace,Menlo,Consolas,monospace}
svg .lane{fill:#fbfcfd}svg .lane.odd{fill:#f1f4f7}svg .lane-label{fill:var(--fg);font-weight:600}
svg .axis{stroke:#8c959f}svg .grid{stroke:#d8dee4;stroke-dasharray:2 3}svg .zero{stroke:#8c959f}svg .tick{fill:var(--muted)}
svg .k-request circle{fill:#0969da}svg .k-headers circle{fill:#8250df}svg .k-chunk rect{fill:#1a7f37}
svg .k-end circle{fill:#1f2328}svg .k-close circle{fill:#bc4c00}svg .k-log circle{fill:#6e7781}svg .k-other circle{fill:#57606a}
svg .k-hop rect{fill:#1a7f37;opacity:.55}svg .k-hop-broken rect{fill:var(--fail);opacity:.7}
svg .k-fault rect{fill:var(--fail)}svg .fault-line{stroke:var(--fail);stroke-dasharray:4 3;opacity:.6}
svg .k-evidence-fail circle{fill:#fff;stroke:var(--fail);stroke-width:2.5}svg .k-evidence circle{fill:#fff;stroke:var(--pass);stroke-width:2}
svg g:hover circle,svg g:hover rect{stroke:#000;stroke-width:1.5}
.legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px;vertical-align:-1px}
.hop{margin:4px 0 0;color:var(--fg)}.hop b{color:var(--fail)}
.events td{font-size:12.5px}.events td:first-child{text-align:right;white-space:nowrap}
.cc{color:#bc4c00;background:#fff1e5;border-radius:2px;padding:0 1px;font-size:11px}
.matrix td.c small{display:block;font-size:10.5px;font-weight:400;color:var(--fail);white-space:nowrap}
.filters{position:sticky;top:0;background:var(--bg);padding:8px 0;border-bottom:1px solid var(--line);z-index:1}
.filters input[type=search]{width:320px;padding:3px 6px}.filters label{margin-left:14px}
body:has(#failures-only:checked) details.result:not(.fail):not(.error):not(.inconclusive):not(.interrupted){display:none}
body:has(#failures-only:checked) .matrix tr.clean{display:none}
svg text.mark-label{font-size:10px;fill:#424a53}svg text.mark-label.k-fault,svg text.mark-label.k-evidence-fail,svg text.mark-label.k-hop-broken{fill:var(--fail)}svg text.mark-label.k-evidence{fill:var(--pass)}
.scroll{overflow-x:auto;max-width:100%}
`;

export interface HtmlOptions {
  previous?: RunResult;
}

/**
 * Bytes of result bodies report.html carries itself: the first failures, open, as the page opens.
 * Every other body is in an evidence file, so a run where everything fails stays as light.
 */
export const INLINE_BODY_BYTES = 512 * 1024;

export interface HtmlReport {
  /** report.html */
  page: string;
  /** Beside it, under EVIDENCE_DIR: the bodies of the results the page does not carry. */
  evidence: EvidenceFile[];
}

/** report.html alone (tests and callers that only read the page). */
export function renderHtml(run: RunResult, options: HtmlOptions = {}): string {
  return renderHtmlReport(run, options).page;
}

export function renderHtmlReport(run: RunResult, options: HtmlOptions = {}): HtmlReport {
  const rendered = run.results.map((result, i) => renderResult(result, i));
  let inlineBytes = 0;
  const inline = new Set<number>();
  rendered.forEach((r, i) => {
    if (r.attention && inlineBytes + r.body.length <= INLINE_BODY_BYTES) {
      inline.add(i);
      inlineBytes += r.body.length;
    }
  });
  const deferred: EvidenceBody[] = rendered.flatMap((r, i) =>
    inline.has(i) ? [] : [{ index: i, html: r.body }],
  );
  const pack = packEvidence(deferred);

  const s = run.summary;
  const bad = s.failed + s.errored + s.inconclusive;
  const parts: string[] = [
    "<!doctype html>",
    `<html lang="en" data-run="${pack.key}"><head><meta charset="utf-8">`,
    `<meta http-equiv="Content-Security-Policy" content="${esc(CSP)}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>streamchaos: ${bad > 0 ? `${s.failed + s.errored} failing, ${s.inconclusive} inconclusive` : "all passing"} (${s.total} results)</title>`,
    `<style>${STYLE}</style></head><body>`,
    "<header><h1>streamchaos report</h1>",
    `<p class="totals"><span class="s-pass">${s.passed} passed</span><span class="s-fail">${s.failed} failed</span><span class="s-error">${plural(s.errored, "error")}</span><span class="s-inconclusive">${s.inconclusive} inconclusive</span><span class="s-not-applicable">${s.notApplicable} not applicable</span><span class="s-skipped">${s.skipped} skipped</span>${s.interrupted > 0 ? `<span class="s-interrupted">${s.interrupted} interrupted</span>` : ""}<span class="muted">${plural(s.total, "result")} in ${esc(formatDuration(run.durationMs))}</span></p>`,
    `<p class="muted">${esc(new Date(run.startedAt).toISOString())} · streamchaos ${esc(run.tool.version)} · ${Object.entries(
      run.environment,
    )
      .map(([k, v]) => `${esc(k)}: ${esc(v)}`)
      .join(" · ")}</p></header>`,
    "<main>",
    renderMatrix(run),
  ];
  if (options.previous) parts.push(renderChanges(run, options.previous));
  const later = rendered.filter((r, i) => r.attention && !inline.has(i)).length;
  parts.push(
    "<h2>Results</h2>",
    `<div class="filters"><input type="search" id="q" placeholder="search scenario, backend, edge, check, status" aria-label="search results"><label><input type="checkbox" id="failures-only"${bad > 0 ? " checked" : ""}> failures only</label> <span id="shown" class="muted"></span></div>`,
    later > 0
      ? `<p class="muted">The first failures are open below; ${plural(later, "more result")} needing attention open${later === 1 ? "s" : ""} on a click (${esc(EVIDENCE_DIR)}/ holds their evidence).</p>`
      : "",
    renderLegend(),
  );
  rendered.forEach((r, i) => {
    const file = pack.fileOf.get(i);
    const open = file === undefined && needsAttention(run.results[i]!.status);
    parts.push(
      r.head(open),
      file === undefined
        ? r.body
        : `<div class="lazy muted" data-src="${esc(file)}">Reading this result's evidence from ${esc(file)}…</div>`,
      "</details>",
    );
  });
  parts.push(`<script>${SCRIPT}</script>`, "</main></body></html>", "");
  return { page: parts.join("\n"), evidence: pack.files };
}

function renderMatrix(run: RunResult): string {
  const matrix = buildMatrix(run.results);
  if (matrix.rows.length === 0) return "<h2>Matrix</h2><p>No scenario ran.</p>";
  const index = new Map(run.results.map((result, i) => [result, i]));
  const head = matrix.columns.map((c) => `<th class="mono">${esc(c.label)}</th>`).join("");
  const rows = matrix.rows.map((row) => {
    const cells = matrix.columns.map((column) => {
      const result = row.cells.get(column.key);
      if (!result) return '<td class="c muted" title="not run">·</td>';
      const expected = isFailing(result.status) && isExpected(result) ? "*" : "";
      const tip = `${result.status}${expected ? " (expected on this backend)" : ""}`;
      const checks = isFailing(result.status)
        ? verdictChecks(result)
            .filter((check) => check.status === "fail")
            .map((check) => `<small>${esc(check.check)}</small>`)
            .join("")
        : "";
      return `<td class="c ${result.status}" title="${esc(tip)}"><a href="#r-${index.get(result)}">${STATUS_MARK[result.status]}${expected}${checks}</a></td>`;
    });
    const clean = ![...row.cells.values()].some(
      (r) => needsAttention(r.status) || r.status === "interrupted",
    );
    return `<tr${clean ? ' class="clean"' : ""}><td><code>${esc(row.id)}</code><div class="title" title="${esc(row.title)}">${esc(row.title)}</div></td>${cells.join("")}</tr>`;
  });
  return `<h2>Matrix</h2><div class="scroll"><table class="matrix"><thead><tr><th>scenario</th>${head}</tr></thead><tbody>${rows.join("\n")}</tbody></table></div><p class="muted">✓ pass · ✗ fail · ! error · ? inconclusive (no deciding check could apply) · ∅ not applicable (did not run) · - skipped · ^ interrupted · * expected on this backend</p>`;
}

function renderChanges(run: RunResult, previous: RunResult): string {
  const diff = compareRuns(run, previous);
  const group = (name: string, cls: string, items: ComparedResult[]) =>
    items.length === 0
      ? ""
      : `<h3 class="${cls}">${esc(name)} (${items.length})</h3><ul>${items
          .map(
            (item) =>
              `<li><code>${esc(item.id)}</code> on <code>${esc(whereLabel(item))}</code>: ${esc(item.previousStatus ?? "")}${item.previousStatus && item.status ? " → " : ""}${esc(item.status ?? "")}</li>`,
          )
          .join("")}</ul>`;
  const body = [
    group("Newly failing", "s-fail", diff.newlyFailing),
    group("Newly passing", "s-pass", diff.newlyPassing),
    group("Still failing", "s-error", diff.stillFailing),
    group("New", "", diff.added),
    group("Removed", "muted", diff.removed),
  ].join("");
  return `<h2>Changes since last run</h2>${body || "<p>No changes since last run.</p>"}`;
}

function renderLegend(): string {
  const item = (color: string, text: string, ring = false) =>
    `<span><i style="${ring ? `border:2px solid ${color};background:#fff` : `background:${color}`}"></i>${text}</span>`;
  return `<p class="legend muted">Timeline, relative to each scenario's start; each mark is labelled under its lane (hover a mark, or a cut label, for its detail): ${[
    item("#0969da", "request"),
    item("#8250df", "headers"),
    item("#1a7f37", "chunk/event"),
    item("#1f2328", "end"),
    item("#bc4c00", "client close"),
    item("#6e7781", "log"),
    item("#cf222e", "fault"),
    item("#7fbf8f", "a hop's response, first to last byte (red: cut)"),
    item("#cf222e", "evidence of a failing check", true),
  ].join("")}</p>`;
}

interface RenderedResult {
  /** The opening tag up to the reason lines: always in the page. */
  head: (open: boolean) => string;
  /** Timeline, checks, hops, events: in the page or in an evidence file. */
  body: string;
  attention: boolean;
}

function renderResult(result: ScenarioResult, i: number): RenderedResult {
  const where = `${result.backend}/${result.edge}${result.profile ? ` (${result.profile})` : ""}${result.client ? ` via ${result.client}` : ""}`;
  const expected = result.expected
    ? isExpected(result)
      ? ` · expected ${result.expected} on this backend`
      : ` · expected ${result.expected}, got ${result.status}`
    : "";
  const attention = needsAttention(result.status) || result.status === "interrupted";
  const key = [
    result.scenario.id,
    result.scenario.title,
    result.backend,
    result.edge,
    result.profile ?? "",
    result.client ?? "",
    result.status,
    ...result.checks.filter((c) => c.status === "fail").map((c) => c.check),
  ]
    .join(" ")
    .toLowerCase();
  const parts = [
    `<details class="result ${result.status}" id="r-${i}" data-key="${esc(key)}"\u0000>`,
    `<summary><span class="badge ${result.status}">${result.status.toUpperCase()}</span><code>${esc(result.scenario.id)}</code> ${esc(result.scenario.title)} <span class="muted">· ${esc(where)} · ${esc(formatDuration(result.durationMs))}</span></summary>`,
    `<p class="muted">${[
      result.scenario.incident && `models ${esc(result.scenario.incident)}`,
      result.scenario.category && `category ${esc(result.scenario.category)}`,
      `${esc(result.runtime)} runtime, lane ${esc(result.lane)}`,
      `started ${esc(new Date(result.startedAt).toISOString())}`,
    ]
      .filter(Boolean)
      .join(" · ")}${esc(expected)}</p>`,
  ];
  if (result.reason) parts.push(`<p class="reason"><b>${esc(result.status)}:</b> ${esc(result.reason)}</p>`);
  const restart = describeRestart(result);
  if (restart) {
    parts.push(
      `<p class="reason"><b>backend restart:</b> ${esc(restart)}</p>`,
      `<pre>${esc(restartLines(result, 20).join("\n"))}</pre>`,
    );
  }
  const body: string[] = [];
  body.push("<h3>Timeline</h3>");
  if (result.timeline.length === 0 && !result.checks.some((c) => c.evidence.some((e) => e.t !== undefined))) {
    body.push('<p class="muted no-timeline">No timeline events were recorded.</p>');
  } else {
    body.push(renderTimelineSvg(result));
    if (result.timeline.length > MAX_DRAWN_EVENTS) {
      body.push(
        `<p class="muted">Drawn: the first ${MAX_DRAWN_EVENTS} of ${result.timeline.length} events; all are in results.json.</p>`,
      );
    }
  }
  if (result.checks.length > 0) body.push("<h3>Checks</h3>", renderChecks(result));
  body.push(...renderHops(result));
  if (result.timeline.length > 0) body.push(renderEventTable(result));
  const head = parts.join("\n");
  return { head: (open) => head.replace("\u0000", open ? " open" : ""), body: body.join("\n"), attention };
}

function renderChecks(result: ScenarioResult): string {
  const order: Record<CheckResult["status"], number> = { fail: 0, pass: 1, "not-applicable": 2 };
  const checks = [...result.checks].sort((a, b) => order[a.status] - order[b.status]);
  const rows = checks.map((check) => {
    const cls = check.status === "fail" ? "s-fail" : check.status === "pass" ? "s-pass" : "na";
    const evidence = check.evidence.length
      ? `<ul class="ev">${check.evidence
          .map((item) => {
            const at =
              item.t === undefined
                ? ""
                : ` <span class="muted">@ ${esc(offset(item.t - result.startedAt))}</span>`;
            return `<li><span class="lbl">${esc(item.kind)} · ${esc(item.label)}</span>${at}<br><code>${bytesHtml(item.value)}</code></li>`;
          })
          .join("")}</ul>`
      : "";
    const deciding = check.deciding
      ? '<span class="deciding" title="decides the scenario">deciding</span>'
      : "";
    const hop = hopLines(check)
      .map((line) => `<p class="hop">${esc(line)}</p>`)
      .join("");
    return `<tr><td class="st ${cls}">${esc(check.status)}</td><td class="name"><code>${esc(check.check)}</code>${deciding}</td><td>${esc(check.summary)}${hop}${evidence}</td></tr>`;
  });
  return `<table class="checks"><thead><tr><th>status</th><th>check</th><th>summary and evidence</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`;
}

/** What crossed each hop, and for a failing result the bytes themselves. */
function renderHops(result: ScenarioResult): string[] {
  if (result.hopsUnavailable)
    return [`<p class="muted">Hops unavailable: ${esc(result.hopsUnavailable)}</p>`];
  if (!result.hops?.length) return [];
  const rows = result.hops.map((hop) => {
    const c = hopCells(hop);
    const raw = hop.raw
      ? `<details><summary>bytes${hop.raw.truncated ? " (cut to fit)" : ""}</summary><ul class="ev"><li><span class="lbl">to ${esc(hop.to)}</span><br><code>${esc(hop.raw.toUpstream)}</code></li><li><span class="lbl">to ${esc(hop.from)}</span><br><code>${esc(hop.raw.toDownstream)}</code></li></ul></details>`
      : "";
    return `<tr><td class="mono">${esc(c.hop)}</td><td class="mono">${esc(c.bytes)}</td><td class="mono">${esc(c.times)}</td><td>${esc(c.framing)}${raw}</td><td class="mono">${esc(c.ends)}</td></tr>`;
  });
  return [
    "<h3>Hops</h3>",
    `<table class="checks"><thead><tr><th>hop</th><th>bytes ↑ ↓</th><th>first – last byte</th><th>response as sent</th><th>ends (client / upstream)</th></tr></thead><tbody>${rows.join("\n")}</tbody></table>`,
  ];
}

function renderEventTable(result: ScenarioResult): string {
  const cap = needsAttention(result.status) ? MAX_EVENT_ROWS : MAX_EVENT_ROWS_PASSING;
  const events = result.timeline.slice(0, cap);
  const rows = events.map(
    (event) =>
      `<tr><td class="mono">${esc(offset(event.t - result.startedAt))}</td><td>${esc(event.source)}</td><td>${esc(event.kind)}</td><td><code>${bytesHtml(event.detail)}</code></td></tr>`,
  );
  const more =
    result.timeline.length > cap
      ? `<p class="muted">First ${cap} of ${result.timeline.length} events; all are in results.json.</p>`
      : "";
  return `<details><summary>All ${plural(result.timeline.length, "timeline event")}</summary><table class="events"><thead><tr><th>t</th><th>source</th><th>kind</th><th>detail</th></tr></thead><tbody>${rows.join("")}</tbody></table>${more}</details>`;
}

export function createHtmlReporter(): Reporter {
  return {
    name: "html",
    writesFiles: true,
    async onFinish(run: RunResult, options: FinishOptions): Promise<FinishOutput> {
      const report = renderHtmlReport(run, options.previous ? { previous: options.previous } : {});
      const files: string[] = [];
      const outDir = options.outDir;
      // Evidence first and the page last: a page is never newer than the files it reads, and a page
      // left from an earlier run ignores new files by their key.
      if (outDir) {
        const folder = join(resolve(outDir), EVIDENCE_DIR);
        for (const file of report.evidence) {
          await writeReportFile("html", folder, basename(file.name), file.text, options);
        }
        await removeStaleEvidence(
          outDir,
          report.evidence.map((file) => file.name),
        );
        if (report.evidence.length > 0) files.push(`${folder}/`);
      }
      files.push(await writeReportFile("html", outDir, HTML_FILE, report.page, options));
      return { files };
    },
  };
}
