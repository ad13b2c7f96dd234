import type { ScenarioResult, TimelineEvent } from "../../harness/results.ts";
import { hopBroken } from "./hops.ts";
import { esc } from "./html-escape.ts";
import { truncate } from "./text.ts";

/** The boxes of the topology, in data-path order; other sources get lanes after them. */
const LANES = ["probe", "edge", "backend", "fake", "toxiproxy"] as const;
/** The lane's own hops; every other hop is a link of the backend's stack. */
const OWN_HOPS: ReadonlySet<string> = new Set(["A", "B", "C"]);

/**
 * With hops recorded, each hop is a lane between the boxes it links, in data-path order: a stack's
 * service links (whose boxes log into the backend's lane) between hop B's backend and hop C.
 */
function lanesWithHops(hops: NonNullable<ScenarioResult["hops"]>): string[] {
  const lanes: string[] = [...LANES.slice(0, 3)];
  const after = (box: string, lane: string) => lanes.splice(lanes.indexOf(box) + 1, 0, lane);
  after("probe", "hop A");
  after("edge", "hop B");
  const services = hops.filter((h) => !OWN_HOPS.has(h.name)).map((h) => `hop ${h.name}`);
  lanes.push(...services, "hop C", "fake", "toxiproxy");
  return lanes;
}
const EVIDENCE_LANE = "evidence";

/** Beyond this, a scenario's SVG would be megabytes of ticks nobody can hover apart. */
export const MAX_DRAWN_EVENTS = 4000;

const LEFT = 96;
const PLOT = 1060;
const RIGHT = 24;
const LANE_H = 26;
const TOP = 8;
const AXIS_H = 26;

const KIND_CLASS: Record<string, string> = {
  request: "k-request",
  "hop-whole": "k-hop",
  "hop-broken": "k-hop-broken",
  headers: "k-headers",
  chunk: "k-chunk",
  event: "k-chunk",
  end: "k-end",
  fault: "k-fault",
  log: "k-log",
  "client-close": "k-close",
};

interface Mark {
  lane: string;
  rel: number;
  kind: string;
  title: string;
  /** A span (a hop's response from first to last byte) ends here. */
  until?: number;
  /** Written beside the mark (faults, failing evidence): what a reader looks for without hovering. */
  label?: string;
}

/**
 * One SVG per scenario: a lane per box, time relative to the scenario's start on x, each event a
 * mark whose <title> (the browser's hover tooltip) carries time, kind and detail. Faults also draw
 * a line across every lane, since what matters is what each box did right after one.
 */
export function renderTimelineSvg(result: ScenarioResult): string {
  const start = result.startedAt;
  const marks: Mark[] = result.timeline.slice(0, MAX_DRAWN_EVENTS).map((event: TimelineEvent) => ({
    lane: event.source,
    rel: event.t - start,
    kind: event.kind,
    title: `${offset(event.t - start)} ${event.source} ${event.kind}: ${truncate(event.detail, 400)}`,
    ...(event.kind === "fault" ? { label: truncate(event.detail, 32) } : {}),
  }));
  for (const check of result.checks) {
    for (const item of check.evidence) {
      if (item.t === undefined) continue;
      marks.push({
        lane: EVIDENCE_LANE,
        rel: item.t - start,
        kind: check.status === "fail" ? "evidence-fail" : "evidence",
        ...(check.status === "fail" ? { label: truncate(check.check, 32) } : {}),
        title: `${offset(item.t - start)} ${check.check} (${check.status}): ${item.label}: ${truncate(item.value, 400)}`,
      });
    }
  }
  marks.push(...hopMarks(result));
  const lanes: string[] = result.hops?.length ? lanesWithHops(result.hops) : [...LANES];
  for (const mark of marks) if (!lanes.includes(mark.lane)) lanes.push(mark.lane);
  // Evidence last: it is the checks' reading of the lanes above it.
  if (lanes.includes(EVIDENCE_LANE)) lanes.push(...lanes.splice(lanes.indexOf(EVIDENCE_LANE), 1));

  const rels = marks
    .flatMap((m) => (m.until === undefined ? [m.rel] : [m.rel, m.until]))
    .filter(Number.isFinite);
  const span = Math.max(result.durationMs, ...rels, 1);
  // A stray event long before the start (a log line left from the lane's previous scenario) would
  // squeeze this scenario into a sliver; such events sit on the left edge, their title says so.
  const min = Math.max(-Math.max(50, span * 0.25), Math.min(0, ...rels));
  const max = Math.max(span, min + 1);
  const x = (rel: number) => LEFT + ((Math.max(rel, min) - min) / (max - min)) * PLOT;
  const height = TOP + lanes.length * LANE_H + AXIS_H;
  const widthPx = LEFT + PLOT + RIGHT;
  const laneY = (lane: string) => TOP + lanes.indexOf(lane) * LANE_H;

  const out: string[] = [
    `<svg class="timeline" viewBox="0 0 ${widthPx} ${height}" width="100%" role="img" aria-label="timeline of ${esc(result.scenario.id)}">`,
  ];
  lanes.forEach((lane, i) => {
    const y = TOP + i * LANE_H;
    out.push(
      `<rect class="lane${i % 2 ? " odd" : ""}" x="${LEFT}" y="${y}" width="${PLOT}" height="${LANE_H}"/>`,
      `<text class="lane-label" x="${LEFT - 8}" y="${y + LANE_H / 2 + 4}" text-anchor="end">${esc(truncate(lane, 12))}</text>`,
    );
  });
  const axisY = TOP + lanes.length * LANE_H;
  out.push(`<line class="axis" x1="${LEFT}" y1="${axisY}" x2="${LEFT + PLOT}" y2="${axisY}"/>`);
  for (const tick of ticks(min, max)) {
    const tx = x(tick).toFixed(1);
    out.push(
      `<line class="grid" x1="${tx}" y1="${TOP}" x2="${tx}" y2="${axisY + 4}"/>`,
      `<text class="tick" x="${tx}" y="${axisY + 17}" text-anchor="middle">${esc(fmt(tick))}</text>`,
    );
  }
  if (min < 0) {
    const zx = x(0).toFixed(1);
    out.push(`<line class="zero" x1="${zx}" y1="${TOP}" x2="${zx}" y2="${axisY}"/>`);
  }
  // Marks closer than a dot's width (request, fault and headers in the same millisecond) are
  // nudged up and down so each one can still be hovered.
  const lastDot = new Map<string, { at: number; n: number }>();
  const NUDGE = [0, -6, 6, -3, 3];
  for (const mark of marks) {
    if (!Number.isFinite(mark.rel)) continue;
    const px = x(mark.rel);
    const mx = px.toFixed(1);
    const y = laneY(mark.lane);
    const prev = lastDot.get(mark.lane);
    const n = prev && Math.abs(px - prev.at) < 8 ? prev.n + 1 : 0;
    if (mark.kind !== "chunk" && mark.kind !== "event") lastDot.set(mark.lane, { at: px, n });
    const dy = mark.kind === "chunk" || mark.kind === "event" ? 0 : (NUDGE[n % NUDGE.length] ?? 0);
    if (mark.rel < min) mark.title = `(earlier than the axis) ${mark.title}`;
    const cls = KIND_CLASS[mark.kind] ?? (mark.kind.startsWith("evidence") ? `k-${mark.kind}` : "k-other");
    const title = `<title>${esc(mark.title)}</title>`;
    if (mark.until !== undefined) {
      const w = Math.max(2.5, x(mark.until) - px).toFixed(1);
      out.push(
        `<g class="${cls}">${title}<rect x="${mx}" y="${y + 7}" width="${w}" height="${LANE_H - 14}" rx="2"/></g>`,
      );
    } else if (mark.kind === "fault") {
      out.push(
        `<g class="${cls}">${title}<line class="fault-line" x1="${mx}" y1="${TOP}" x2="${mx}" y2="${axisY}"/><rect x="${(Number(mx) - 4).toFixed(1)}" y="${y + 5}" width="8" height="${LANE_H - 10}" rx="1"/></g>`,
      );
    } else if (mark.kind === "chunk" || mark.kind === "event") {
      out.push(
        `<g class="${cls}">${title}<rect x="${(Number(mx) - 1).toFixed(1)}" y="${y + 6}" width="2.5" height="${LANE_H - 12}"/></g>`,
      );
    } else {
      out.push(`<g class="${cls}">${title}<circle cx="${mx}" cy="${y + LANE_H / 2 + dy}" r="5"/></g>`);
    }
    if (mark.label) {
      // Inside the plot whatever the mark's place: right of it, or left of it near the right edge.
      const room = LEFT + PLOT - px;
      const estimated = Array.from(mark.label).length * 6.2;
      const anchor = room < estimated + 10 ? "end" : "start";
      const lx = anchor === "end" ? Math.max(LEFT + estimated, px - 8) : Math.max(LEFT + 2, px + 8);
      out.push(
        `<text class="mark-label" x="${lx.toFixed(1)}" y="${y + 11}" text-anchor="${anchor}">${esc(mark.label)}</text>`,
      );
    }
  }
  out.push("</svg>");
  return out.join("");
}

/**
 * Each hop's response as a bar from its first to its last byte, and how each side of it ended.
 * Hop times count from the scenario's first request (the probe's request event).
 */
function hopMarks(result: ScenarioResult): Mark[] {
  if (!result.hops?.length) return [];
  const request = result.timeline.find((e) => e.source === "probe" && e.kind === "request");
  const origin = (request?.t ?? result.startedAt) - result.startedAt;
  const marks: Mark[] = [];
  for (const hop of result.hops) {
    const lane = `hop ${hop.name}`;
    const f = hop.delivered ?? hop.framing;
    const broken = hopBroken(f);
    const said = [f.status, f.framing, f.outcome, f.semantic && `body ${f.semantic}`]
      .filter(Boolean)
      .join(", ");
    const what = `${lane} ${hop.from} → ${hop.to}: ${said}; ${hop.bytesToUpstream} B up, ${hop.bytesToDownstream} B down`;
    if (hop.firstByteMs !== undefined) {
      marks.push({
        lane,
        rel: origin + hop.firstByteMs,
        until: origin + (hop.lastByteMs ?? hop.firstByteMs),
        kind: broken ? "hop-broken" : "hop-whole",
        title: `${offset(origin + hop.firstByteMs)} ${what}`,
      });
    }
    for (const [side, end] of [
      [hop.from, hop.end.client],
      [hop.to, hop.end.upstream],
    ] as const) {
      if (end.atMs === undefined) continue;
      marks.push({
        lane,
        rel: origin + end.atMs,
        kind: end.kind === "rst" || end.kind === "timeout" ? "client-close" : "end",
        title: `${offset(origin + end.atMs)} ${lane}: ${side}'s side ended: ${end.kind}${end.by === "proxy" ? " (by Toxiproxy)" : ""}${end.detail ? ` (${end.detail})` : ""}`,
      });
    }
  }
  return marks;
}

/** About eight ticks at 1, 2 or 5 times a power of ten. */
function ticks(min: number, max: number): number[] {
  const span = max - min;
  const raw = span / 8;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? power * 10;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) out.push(Math.round(t * 1e6) / 1e6);
  return out;
}

/** Time since the scenario started, signed: events before it (a fake's setup) show as -12ms. */
export function offset(ms: number): string {
  return ms < 0 ? fmt(ms) : `+${fmt(ms)}`;
}

/** Relative time for people: ms below 10 s, seconds above. */
export function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return "?";
  const abs = Math.abs(ms);
  if (abs >= 10_000) return `${(ms / 1000).toFixed(1)}s`;
  if (abs >= 100 || Number.isInteger(ms)) return `${Math.round(ms)}ms`;
  return `${ms.toFixed(1)}ms`;
}
