import { describe, expect, it } from "vitest";
import type { TimelineEvent } from "../../harness/results.ts";
import { failingWithHops, passing, T0 } from "../testing/fixtures.ts";
import { labelWidth, layoutLabels, type Mark, type PlacedLabel, renderTimelineSvg } from "./timeline-svg.ts";

const LEFT = 96;
const RIGHT_EDGE = 96 + 1060;

function mark(px: number, label: string, kind = "request", lane = "probe"): Mark & { px: number } {
  return { lane, rel: px, px, kind, title: label, label };
}

/** Two labels of one lane and row that share a pixel, with the gap the layout keeps. */
function overlaps(labels: readonly PlacedLabel[]): string[] {
  const out: string[] = [];
  for (const a of labels) {
    for (const b of labels) {
      if (a === b || a.lane !== b.lane || a.row !== b.row || a.x1 > b.x1) continue;
      if (a.x2 > b.x1) out.push(`${a.text} / ${b.text}`);
    }
  }
  return out;
}

function svgLabels(svg: string): Array<{ x1: number; x2: number; y: number; text: string }> {
  return [
    ...svg.matchAll(
      /<text class="mark-label [^"]*" x="([\d.]+)" y="(\d+)" textLength="([\d.]+)"[^>]*>([^<]*)/g,
    ),
  ].map((m) => ({ x1: Number(m[1]), x2: Number(m[1]) + Number(m[3]), y: Number(m[2]), text: m[4]! }));
}

describe("timeline labels", () => {
  it("places labels in rows with no overlap, inside the plot, at both ends of the axis", () => {
    // Crowded on purpose: at the very start, at the very end, and a pile in the middle.
    const marks = [
      mark(LEFT, "request"),
      mark(LEFT + 1, "headers HTTP 200", "headers"),
      mark(LEFT + 3, "first byte", "chunk"),
      ...Array.from({ length: 12 }, (_, i) => mark(600 + i * 9, `event number ${i}`, `k${i}`)),
      mark(RIGHT_EDGE - 1, "end: fin-mid-body", "end"),
      mark(RIGHT_EDGE, "a very long label that cannot fit at the edge", "fault"),
    ];
    const labels = layoutLabels(marks);
    expect(overlaps(labels)).toEqual([]);
    for (const label of labels) {
      expect(label.x1).toBeGreaterThanOrEqual(LEFT);
      expect(label.x2).toBeLessThanOrEqual(RIGHT_EDGE + 1e-9);
      expect(label.row).toBeLessThan(4);
      expect(label.x2 - label.x1).toBeCloseTo(labelWidth(label.text));
    }
    // Near the right edge a label ends at its mark instead of hanging past the axis.
    const end = labels.find((l) => l.text === "end: fin-mid-body")!;
    expect(end.x2).toBeCloseTo(RIGHT_EDGE - 1);
    expect(labels.find((l) => l.text === "request")!.x1).toBe(LEFT);
    // A label too long for its lane's space is cut, its whole text kept for the tooltip.
    const fault = labels.find((l) => l.kind === "fault")!;
    expect(fault.text.endsWith("…")).toBe(true);
    expect(fault.full).toBe("a very long label that cannot fit at the edge");
  });

  it("lets a label that fits no row be cut beside the row that ends first, or left out", () => {
    const labels = layoutLabels(
      Array.from({ length: 10 }, (_, i) => mark(300 + i, `label ${i} ${"x".repeat(20)}`, `k${i}`)),
    );
    expect(overlaps(labels)).toEqual([]);
    expect(labels.length).toBeLessThan(10);
    expect(new Set(labels.map((l) => l.row)).size).toBe(4);
  });

  it("gives a run of log lines one label, and one label with a count to the same label repeated", () => {
    const logs = Array.from({ length: 30 }, (_, i) => mark(500 + i * 0.1, `log: Traceback line ${i}`, "log"));
    const [traceback, ...rest] = layoutLabels(logs);
    expect(rest).toEqual([]);
    expect(traceback!.text).toBe("log: Traceback line 0 (+29)");
    expect(traceback!.full).toContain("log: Traceback line 29");
    const twice = layoutLabels([
      mark(700, "clean-termination", "evidence"),
      mark(705, "clean-termination", "evidence"),
    ]);
    expect(twice.map((l) => l.text)).toEqual(["clean-termination ×2"]);
    // Different labels of one kind at one instant (each side of a hop ending) keep their own.
    const ends = layoutLabels([mark(700, "FIN probe", "end"), mark(700, "FIN nginx", "end")]);
    expect(ends.map((l) => [l.text, l.row])).toEqual([
      ["FIN probe", 0],
      ["FIN nginx", 1],
    ]);
  });

  it("measures labels as drawn: spaces collapsed, control bytes as their escapes, wide characters double", () => {
    const [spaced] = layoutLabels([mark(200, "log: INFO:     None:0", "log")]);
    expect(spaced!.text).toBe("log: INFO: None:0");
    expect(labelWidth("ab")).toBeCloseTo(2 * 6.1);
    expect(labelWidth("\u001b")).toBeCloseTo(4 * 6.1);
    expect(labelWidth("日本")).toBeCloseTo(4 * 6.1);
  });
});

describe("timeline svg", () => {
  it("labels every kind of mark of a result with hops, none overlapping, each inside the plot", () => {
    const svg = renderTimelineSvg(failingWithHops("x"));
    const labels = svgLabels(svg);
    expect(labels.map((l) => l.text)).toEqual(
      expect.arrayContaining([
        "request",
        "first byte",
        "200 complete",
        "200 cut-mid-chunk",
        "FIN probe",
        "FIN nginx",
      ]),
    );
    for (const a of labels) {
      expect(a.x1).toBeGreaterThanOrEqual(LEFT);
      expect(a.x2).toBeLessThanOrEqual(RIGHT_EDGE + 0.1);
      for (const b of labels) {
        if (a !== b && a.y === b.y) expect(a.x2 <= b.x1 || b.x2 <= a.x1, `${a.text} / ${b.text}`).toBe(true);
      }
    }
    // Lanes grow to hold their label rows: the viewBox is taller than marks alone would need.
    const height = Number(/viewBox="0 0 \d+ (\d+)"/.exec(svg)![1]);
    expect(height).toBeGreaterThan(8 + 11 * 26 + 26);
  });

  it("labels a log line with its message: a JSON log's msg, a plain line without its timestamp", () => {
    const logs = [
      '{"level":"error","ts":1796289853.35,"logger":"http.log.error","msg":"read: connection reset"}',
      "2026-12-03T13:48:01.123Z WARN client disconnected",
      "2026-12-03 09:24:13,355 INFO usage input=0",
      "[2026-12-03 09:24:13+01:00] notice",
    ].map((detail, i): TimelineEvent => ({ t: T0 + i * 300, source: `box${i}`, kind: "log", detail }));
    const texts = svgLabels(renderTimelineSvg(passing("p", { timeline: logs }))).map((l) => l.text);
    expect(texts).toEqual([
      "log: read: connection reset",
      "log: WARN client disconnected",
      "log: INFO usage input=0",
      "log: notice",
    ]);
  });

  it("labels the first and last chunk of each lane, and keeps tick labels inside the axis", () => {
    const timeline: TimelineEvent[] = Array.from({ length: 50 }, (_, i) => ({
      t: T0 + i * 20,
      source: i % 2 ? "probe" : "fake",
      kind: i % 2 ? "chunk" : "event",
      detail: `data ${i}`,
    }));
    const svg = renderTimelineSvg(passing("p", { timeline, durationMs: 1000 }));
    const texts = svgLabels(svg).map((l) => l.text);
    expect(texts.filter((t) => /^(first|last) (byte|event)$/.test(t)).sort()).toEqual([
      "first byte",
      "first event",
      "last byte",
      "last event",
    ]);
    const ticks = [...svg.matchAll(/class="tick" x="([\d.]+)" y="\d+" text-anchor="(\w+)">([^<]*)</g)];
    expect(ticks[0]![2]).toBe("start");
    expect(ticks[0]![3]).toBe("0ms");
    expect(ticks.at(-1)![2]).toBe("end");
    expect(ticks.slice(1, -1).every((t) => t[2] === "middle")).toBe(true);
  });
});
