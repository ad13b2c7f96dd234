import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { renderHtml } from "./html.ts";
import { MAX_DRAWN_EVENTS } from "./internal/timeline-svg.ts";
import { failing, mixedRun, passing, run, T0 } from "./testing/fixtures.ts";

describe("html reporter", () => {
  const html = renderHtml(mixedRun());

  it("has one script, allowed by its hash, no external asset, and a CSP that refuses the rest", () => {
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    expect(html.match(/<script/gi)).toHaveLength(1);
    const hash = createHash("sha256").update(scripts[0]!).digest("base64");
    expect(html).toContain(`script-src &#39;sha256-${hash}&#39;`);
    expect(html).toContain("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).toContain("Traceback &lt;script&gt;alert(2)&lt;/script&gt;");
    expect(html).toContain(`http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;`);
    // Every link is an in-page anchor; nothing is fetched from anywhere.
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(ref).toMatch(/^#r-\d+$/);
    expect(html).not.toMatch(/url\(|@import|https?:\/\//);
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
    expect(html).toMatch(/<details class="result fail" id="r-2" data-key="[^"]*" open>/);
    expect(html).toMatch(/<details class="result pass" id="r-0" data-key="[^"]*">/);
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
    const out = renderHtml(run([passing("big", { timeline })]));
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
    const out = renderHtml(run([passing("stray", { timeline, durationMs: 1000 })]));
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
    const out = renderHtml(run([passing("same", { timeline })]));
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

  it("has a search box and a failures-only filter; passing results wait in templates", () => {
    expect(html).toContain('<input type="search" id="q"');
    expect(html).toContain('<input type="checkbox" id="failures-only" checked>');
    expect(html).toMatch(
      /<details class="result pass" id="r-0" data-key="pre-stream-500 [^"]*">\n<summary>[\s\S]*?<\/p>\n<template class="lazy">/,
    );
    const failed = html.slice(html.indexOf('id="r-2"'), html.indexOf('id="r-3"'));
    expect(failed).not.toContain("<template");
  });

  it("labels faults and failing evidence inside the plot", () => {
    const failed = html.slice(html.indexOf('id="r-2"'), html.indexOf('id="r-3"'));
    const labels = [
      ...failed.matchAll(
        /<text class="mark-label" x="([\d.]+)" y="\d+" text-anchor="(start|end)">([^<]*)<\/text>/g,
      ),
    ];
    expect(labels.map((m) => m[3])).toEqual(["destroy socket after 2 events", "clean-chunked-termination"]);
    for (const [, x, anchor, text] of labels) {
      const width = text!.length * 6.2;
      const [left, right] =
        anchor === "start" ? [Number(x), Number(x) + width] : [Number(x) - width, Number(x)];
      expect(left).toBeGreaterThanOrEqual(96);
      expect(right).toBeLessThanOrEqual(96 + 1060);
    }
  });
});
