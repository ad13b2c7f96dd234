import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult } from "../harness/results.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { createHtmlReporter, INLINE_BODY_BYTES, renderHtml, renderHtmlReport } from "./html.ts";
import { EVIDENCE_DIR, parseEvidenceFile } from "./internal/evidence-files.ts";
import { MAX_DRAWN_EVENTS } from "./internal/timeline-svg.ts";
import { failing, mixedRun, passing, run, T0 } from "./testing/fixtures.ts";

/** The page with every deferred body put back where the browser would put it when opened. */
function opened(theRun: RunResult): string {
  const report = renderHtmlReport(theRun);
  const bodies = new Map<string, string>();
  for (const file of report.evidence) {
    for (const [i, body] of Object.entries(parseEvidenceFile(file.text).bodies)) bodies.set(i, body);
  }
  return report.page.replace(/<div class="lazy[^>]*>[^<]*<\/div>/g, (lazy, at: number) => {
    const i = /id="r-(\d+)"/.exec(
      report.page.slice(report.page.lastIndexOf('<details class="result', at)),
    )?.[1];
    return bodies.get(i ?? "") ?? lazy;
  });
}

describe("html reporter", () => {
  const html = opened(mixedRun());
  const page = renderHtml(mixedRun());

  it("has one script, allowed by its hash, loads only its own evidence files, and a CSP that refuses the rest", () => {
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(page.match(/<script/gi)).toHaveLength(1);
    const hash = createHash("sha256").update(scripts[0]!).digest("base64");
    expect(page).toContain(`script-src &#39;sha256-${hash}&#39; &#39;strict-dynamic&#39;;`);
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("Traceback &lt;script&gt;alert(2)&lt;/script&gt;");
    expect(page).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`);
    // Every link is an in-page anchor; the only files read are the evidence files beside the page.
    const refs = [...page.matchAll(/(?<![\w-])(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^#r-\d+$/);
    const sources = [...page.matchAll(/data-src="([^"]*)"/g)].map((m) => m[1]);
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) expect(src).toMatch(new RegExp(`^${EVIDENCE_DIR}/evidence-\\d{3}\\.js$`));
    expect(page).not.toMatch(/url\(|@import|https?:\/\//);
  });

  it("shows control bytes as text and never writes them raw", () => {
    expect(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(html)).toBe(false);
    expect(html).toContain("\\r\\n\\r\\n\\0\\x1b[31mRED\\x1b[0m\\x07\\x0c");
  });

  it("escapes user text in element content and attributes", () => {
    const title = `"><img src=x onerror=alert(1)><svg onload=alert(2)>'`;
    const out = renderHtml(
      run([failing("x", { scenario: { id: "x", title, incident: "", category: "c" } })]),
    );
    expect(out).not.toMatch(/<img|<svg onload|onerror=alert\(1\)>/);
    expect(out).toContain(
      'title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;svg onload=alert(2)&gt;&#39;"',
    );
  });

  it("links every matrix cell to its result, failures open", () => {
    const cells = [...html.matchAll(/<td class="c (pass|fail|error|skipped)"[^>]*><a href="#r-(\d+)">/g)];
    expect(cells).toHaveLength(10);
    for (const [, , i] of cells) expect(html).toContain(`id="r-${i}"`);
    expect(page).toMatch(/<details class="result fail" id="r-2" data-key="[^"]*" open>/);
    expect(page).toMatch(/<details class="result pass" id="r-0" data-key="[^"]*">/);
  });

  it("draws a timeline per result with the five lanes and hover titles relative to the start", () => {
    expect(html.match(/<svg class="timeline"/g)).toHaveLength(8);
    const failed = html.slice(html.indexOf('id="r-2"'), html.indexOf('id="r-3"'));
    for (const lane of ["probe", "edge", "backend", "fake", "toxiproxy", "evidence"]) {
      expect(failed).toContain(`text-anchor="end">${lane}</text>`);
    }
    expect(failed).toContain("<title>+300ms fake fault: destroy socket after 2 events</title>");
    expect(failed).toContain("<title>+410ms probe end: socket closed without terminator</title>");
    expect(failed).toContain("<title>+410ms clean-chunked-termination (fail): last bytes at the probe:");
    expect(failed).toContain('class="fault-line"');
  });

  it("lists checks failing first, with not-applicable ones and their evidence", () => {
    const failed = html.slice(html.indexOf('id="r-2"'), html.indexOf('id="r-3"'));
    const order = ["clean-chunked-termination", "in-stream-error-marker", "no-leak"].map((c) =>
      failed.indexOf(`<td class="name"><code>${c}</code></td>`),
    );
    expect(order[0]).toBeGreaterThan(0);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(failed).toContain('<td class="st na">not-applicable</td>');
    expect(failed).toContain('bytes · last bytes at the probe</span> <span class="muted">@ +410ms</span>');
  });

  it("shows the reason of errors and skips, and says when nothing was recorded", () => {
    expect(html).toContain(
      '<p class="reason"><b>error:</b> backend never became ready: exit 1 &lt;oops&gt;\\x1b[0m</p>',
    );
    expect(html).toContain("needs docker &amp; no engine");
    expect(html).toContain("No timeline events were recorded.");
  });

  it("keeps events before the start on the axis and caps huge timelines", () => {
    const timeline = Array.from({ length: MAX_DRAWN_EVENTS + 10 }, (_, i) => ({
      t: T0 - 50 + i,
      source: "probe",
      kind: "chunk",
      detail: `chunk ${i}`,
    }));
    const out = opened(run([passing("big", { timeline })]));
    expect(out).toContain("<title>-50ms probe chunk: chunk 0</title>");
    expect(out).not.toContain(`chunk ${MAX_DRAWN_EVENTS}<`);
    expect(out).toContain(`Drawn: the first ${MAX_DRAWN_EVENTS} of ${MAX_DRAWN_EVENTS + 10} events`);
    expect(out).toContain('class="zero"');
    expect(out).toContain(`First 200 of ${MAX_DRAWN_EVENTS + 10} events; all are in results.json.`);
  });

  it("does not let one stray early event squeeze the scenario into a sliver", () => {
    const timeline = [
      { t: T0 - 60_000, source: "backend", kind: "log", detail: "left over" },
      { t: T0 + 10, source: "probe", kind: "request", detail: "POST" },
    ];
    const out = opened(run([passing("stray", { timeline, durationMs: 1000 })]));
    expect(out).toContain("<title>(earlier than the axis) -60.0s backend log: left over</title>");
    const ticks = [...out.matchAll(/class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks[0]).toBe("-200ms");
    expect(ticks.at(-1)).toBe("1000ms");
  });

  it("nudges marks of the same instant apart so each can be hovered", () => {
    const timeline = ["request", "fault", "headers", "log"].map((kind) => ({
      t: T0 + 5,
      source: "fake",
      kind,
      detail: kind,
    }));
    const out = opened(run([passing("same", { timeline })]));
    const ys = [...out.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys).toHaveLength(3);
    expect(new Set(ys).size).toBe(3);
  });

  it("adds the changes since the last run", () => {
    const previous = run([passing("a"), failing("b")]);
    const out = renderHtml(run([failing("a"), passing("b")]), { previous });
    expect(out).toContain("<h2>Changes since last run</h2>");
    expect(out).toContain('<h3 class="s-fail">Newly failing (1)</h3><ul><li><code>a</code>');
    expect(out).toContain('<h3 class="s-pass">Newly passing (1)</h3>');
  });

  it("names the failing checks in matrix cells", () => {
    expect(html).toMatch(
      /<td class="c fail"[^>]*><a href="#r-2">✗<small>clean-chunked-termination<\/small><\/a>/,
    );
  });

  it("shows bytes as readable text: each control byte once, visible, a line break after \\n", () => {
    const failed = html.slice(html.indexOf('id="r-2"'), html.indexOf('id="r-3"'));
    expect(failed).toContain(
      'data: {&quot;x&quot;:1}<span class="cc">\\r</span><span class="cc">\\n</span>\n<span class="cc">\\r</span><span class="cc">\\n</span>\n<span class="cc">\\0</span><span class="cc">\\x1b</span>[31mRED',
    );
    expect(failed).toContain("&lt;b&gt;&amp;amp;"); // the provider's own "&amp;" text, escaped once
  });

  it("has a search box and a failures-only filter; passing results wait in evidence files", () => {
    expect(page).toContain('<input type="search" id="q"');
    expect(page).toContain('<input type="checkbox" id="failures-only" checked>');
    expect(page).toMatch(
      /<details class="result pass" id="r-0" data-key="pre-stream-500 [^"]*">\n<summary>[\s\S]*?<\/p>\n<div class="lazy muted" data-src="report-files\/evidence-000\.js">/,
    );
    const failed = page.slice(page.indexOf('id="r-2"'), page.indexOf('id="r-3"'));
    expect(failed).not.toContain('class="lazy');
    expect(failed).toContain('<svg class="timeline"');
    const report = renderHtmlReport(mixedRun());
    expect(report.evidence.map((f) => f.name)).toEqual(["report-files/evidence-000.js"]);
    const { key, bodies } = parseEvidenceFile(report.evidence[0]!.text);
    expect(page).toContain(`<html lang="en" data-run="${key}">`);
    // Passing, skipped and the error (no body needs attention there); the failures are in the page.
    expect(Object.keys(bodies)).toEqual(["0", "1", "3", "4", "8", "9"]);
    expect(bodies["0"]).toContain('<svg class="timeline"');
  });

  it("keeps the first failures in the page and defers the rest once the page holds enough", () => {
    const many = run(Array.from({ length: 300 }, (_, i) => failing(`f-${i}`)));
    const report = renderHtmlReport(many);
    const inline = (
      report.page.match(/<details class="result fail" id="r-\d+" data-key="[^"]*" open>/g) ?? []
    ).length;
    expect(inline).toBeGreaterThan(10);
    expect(inline).toBeLessThan(300);
    expect(report.page.length).toBeLessThan(INLINE_BODY_BYTES + 300 * 2000);
    expect(report.page).toContain(`${300 - inline} more results needing attention open on a click`);
    const deferred = report.evidence.flatMap((f) => Object.keys(parseEvidenceFile(f.text).bodies));
    expect(deferred).toHaveLength(300 - inline);
    expect(report.evidence.length).toBeGreaterThan(1);
  });

  it("names evidence files by content: another run's files are told apart by their key", () => {
    const a = renderHtmlReport(mixedRun());
    const b = renderHtmlReport(run([passing("other")]));
    expect(parseEvidenceFile(a.evidence[0]!.text).key).not.toBe(parseEvidenceFile(b.evidence[0]!.text).key);
    expect(renderHtmlReport(mixedRun()).page).toBe(a.page);
  });

  it("labels every kind of mark: request, headers, first and last byte, fault, logs, end, evidence", () => {
    const failed = html.slice(html.indexOf('id="r-2"'), html.indexOf('id="r-3"'));
    const labels = [
      ...failed.matchAll(/<text class="mark-label [^"]*" x="[\d.]+" y="\d+"[^>]*>([^<]*)/g),
    ].map((m) => m[1]);
    expect(labels.sort()).toEqual(
      [
        "request",
        "HTTP/1.1 200 text/event-stream",
        "first byte",
        "destroy socket after 2 events",
        "log: Traceback &lt;script&gt;alert(2)…",
        "log: upstream prematurely close…",
        "end: socket",
        "clean-chunked-termination",
      ].sort(),
    );
  });

  it("writes the evidence files beside the page, lists their folder, and removes an earlier run's extra files", async () => {
    await using dir = await makeTempDir("html-set");
    const big = run(Array.from({ length: 40 }, (_, i) => passing(`p-${i}`, { timeline: longTimeline() })));
    const first = await createHtmlReporter().onFinish(big, { outDir: dir.path });
    expect(first.files).toEqual([`${join(dir.path, EVIDENCE_DIR)}/`, join(dir.path, "report.html")]);
    const written = (await readdir(join(dir.path, EVIDENCE_DIR))).sort();
    expect(written.length).toBeGreaterThan(1);
    const key = /data-run="([0-9a-f]+)"/.exec(await readFile(join(dir.path, "report.html"), "utf8"))![1];
    for (const name of written) {
      expect(parseEvidenceFile(await readFile(join(dir.path, EVIDENCE_DIR, name), "utf8")).key).toBe(key);
    }
    // Someone's own file in the folder is left alone; ours that this run did not write go.
    await writeFile(join(dir.path, EVIDENCE_DIR, "notes.txt"), "mine");
    await createHtmlReporter().onFinish(run([passing("one")]), { outDir: dir.path });
    expect((await readdir(join(dir.path, EVIDENCE_DIR))).sort()).toEqual(["evidence-000.js", "notes.txt"]);
    // Nothing deferred (only failures, all in the page): no folder is listed, an empty one is removed.
    await writeFile(join(dir.path, EVIDENCE_DIR, "notes.txt"), "mine");
    const only = await createHtmlReporter().onFinish(run([failing("f")]), { outDir: dir.path });
    expect(only.files).toEqual([join(dir.path, "report.html")]);
    expect(await readdir(join(dir.path, EVIDENCE_DIR))).toEqual(["notes.txt"]);
  });
});

function longTimeline() {
  return Array.from({ length: 300 }, (_, k) => ({
    t: T0 + k,
    source: "probe",
    kind: "chunk",
    detail: `data: {"n":${k}}`,
  }));
}
