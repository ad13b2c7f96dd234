import type { ScenarioResult, TimelineEvent } from "../../harness/results.ts";
import { hopBroken } from "./hops.ts";
import { esc } from "./html-escape.ts";
import { printable, truncate, width } from "./text.ts";

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
const TOP = 8;
const AXIS_H = 26;
/** The band of a lane its marks are drawn in; its labels go in rows under it. */
const MARK_H = 26;
const ROW_H = 12;
/** Rows of labels a lane grows to before a label that still collides is cut short or left out. */
const MAX_ROWS = 4;
/**
 * Label text is 10px monospace: 0.6em a character in DejaVu Sans Mono, Menlo and Liberation Mono.
 * Each label is drawn with this width as its textLength, so the layout computed here is the one
 * the browser draws whatever font it picked, and labels that do not overlap here do not there.
 */
const CHAR_W = 6.1;
const LABEL_GAP = 8;
const MAX_LABEL_CHARS = 32;
/** Marks of one kind closer than this share one label ("log: … (+4)"). */
const CLUSTER_PX = 14;
const PLOT_END = LEFT + PLOT;

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

export interface Mark {
  lane: string;
  rel: number;
  kind: string;
  title: string;
  /** A span (a hop's response from first to last byte) ends here. */
  until?: number;
  /** Written under the mark: what a reader looks for without hovering. */
  label?: string;
}

/** A label placed in its lane: its text, where it starts and ends, and in which row. */
export interface PlacedLabel {
  lane: string;
  text: string;
  /** The whole label when the text was cut, or what several marks it stands for said. */
  full?: string;
  kind: string;
  x1: number;
  x2: number;
  row: number;
}

/**
 * One SVG per scenario: a lane per box, time relative to the scenario's start on x, each event a
 * mark whose <title> (the browser's hover tooltip) carries time, kind and detail, and a label
 * under each mark (the first and last chunk of a run of chunks) in rows that never overlap.
 * Faults also draw a line across every lane, since what matters is what each box did right
 * after one.
 */
export function renderTimelineSvg(result: ScenarioResult): string {
  const start = result.startedAt;
  const drawn = result.timeline.slice(0, MAX_DRAWN_EVENTS);
  const marks: Mark[] = drawn.map((event: TimelineEvent) => ({
    lane: event.source,
    rel: event.t - start,
    kind: event.kind,
    title: `${offset(event.t - start)} ${event.source} ${event.kind}: ${truncate(event.detail, 400)}`,
  }));
  labelEvents(drawn, marks);
  for (const check of result.checks) {
    for (const item of check.evidence) {
      if (item.t === undefined) continue;
      marks.push({
        lane: EVIDENCE_LANE,
        rel: item.t - start,
        kind: check.status === "fail" ? "evidence-fail" : "evidence",
        label: check.check,
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

  const labels = layoutLabels(
    marks.filter((m) => m.label !== undefined && Number.isFinite(m.rel)).map((m) => ({ ...m, px: x(m.rel) })),
  );
  const rows = new Map<string, number>();
  for (const label of labels) rows.set(label.lane, Math.max(rows.get(label.lane) ?? 0, label.row + 1));
  const laneTops = new Map<string, number>();
  let y = TOP;
  for (const lane of lanes) {
    laneTops.set(lane, y);
    y += laneHeight(rows.get(lane) ?? 0);
  }
  const axisY = y;
  const height = axisY + AXIS_H;
  const widthPx = LEFT + PLOT + RIGHT;
  const laneY = (lane: string) => laneTops.get(lane) ?? TOP;

  const out: string[] = [
    `<svg class="timeline" viewBox="0 0 ${widthPx} ${height}" width="100%" role="img" aria-label="timeline of ${esc(result.scenario.id)}">`,
  ];
  lanes.forEach((lane, i) => {
    const top = laneY(lane);
    out.push(
      `<rect class="lane${i % 2 ? " odd" : ""}" x="${LEFT}" y="${top}" width="${PLOT}" height="${laneHeight(rows.get(lane) ?? 0)}"/>`,
      `<text class="lane-label" x="${LEFT - 8}" y="${top + MARK_H / 2 + 4}" text-anchor="end">${esc(truncate(lane, 12))}</text>`,
    );
  });
  out.push(`<line class="axis" x1="${LEFT}" y1="${axisY}" x2="${PLOT_END}" y2="${axisY}"/>`);
  for (const tick of ticks(min, max)) {
    const px = x(tick);
    const tx = px.toFixed(1);
    const text = fmt(tick);
    // Ticks at either end of the axis line up with it instead of hanging past it.
    const half = (width(text) * 6.6) / 2;
    const anchor = px - half < LEFT ? "start" : px + half > PLOT_END ? "end" : "middle";
    out.push(
      `<line class="grid" x1="${tx}" y1="${TOP}" x2="${tx}" y2="${axisY + 4}"/>`,
      `<text class="tick" x="${tx}" y="${axisY + 17}" text-anchor="${anchor}">${esc(text)}</text>`,
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
    const top = laneY(mark.lane);
    const prev = lastDot.get(mark.lane);
    const n = prev && Math.abs(px - prev.at) < 8 ? prev.n + 1 : 0;
    if (mark.kind !== "chunk" && mark.kind !== "event") lastDot.set(mark.lane, { at: px, n });
    const dy = mark.kind === "chunk" || mark.kind === "event" ? 0 : (NUDGE[n % NUDGE.length] ?? 0);
    if (mark.rel < min) mark.title = `(earlier than the axis) ${mark.title}`;
    const cls = kindClass(mark.kind);
    const title = `<title>${esc(mark.title)}</title>`;
    if (mark.until !== undefined) {
      const w = Math.max(2.5, x(mark.until) - px).toFixed(1);
      out.push(
        `<g class="${cls}">${title}<rect x="${mx}" y="${top + 7}" width="${w}" height="${MARK_H - 14}" rx="2"/></g>`,
      );
    } else if (mark.kind === "fault") {
      out.push(
        `<g class="${cls}">${title}<line class="fault-line" x1="${mx}" y1="${TOP}" x2="${mx}" y2="${axisY}"/><rect x="${(px - 4).toFixed(1)}" y="${top + 5}" width="8" height="${MARK_H - 10}" rx="1"/></g>`,
      );
    } else if (mark.kind === "chunk" || mark.kind === "event") {
      out.push(
        `<g class="${cls}">${title}<rect x="${(px - 1).toFixed(1)}" y="${top + 6}" width="2.5" height="${MARK_H - 12}"/></g>`,
      );
    } else {
      out.push(`<g class="${cls}">${title}<circle cx="${mx}" cy="${top + MARK_H / 2 + dy}" r="5"/></g>`);
    }
  }
  for (const label of labels) {
    const ly = laneY(label.lane) + MARK_H + label.row * ROW_H + 8;
    out.push(
      `<text class="mark-label ${kindClass(label.kind)}" x="${label.x1.toFixed(1)}" y="${ly}" textLength="${(label.x2 - label.x1).toFixed(1)}" lengthAdjust="spacingAndGlyphs">${esc(label.text)}${label.full ? `<title>${esc(label.full)}</title>` : ""}</text>`,
    );
  }
  out.push("</svg>");
  return out.join("");
}

function kindClass(kind: string): string {
  return KIND_CLASS[kind] ?? (kind.startsWith("evidence") ? `k-${kind}` : "k-other");
}

function laneHeight(rows: number): number {
  return MARK_H + (rows > 0 ? rows * ROW_H + 2 : 0);
}

/** The width a label is drawn at: CHAR_W a character, two for the wide ones (CJK, emoji). */
export function labelWidth(text: string): number {
  let n = 0;
  for (const ch of printable(text)) n += WIDE.test(ch) ? 2 : 1;
  return n * CHAR_W;
}
const WIDE =
  /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\ud800-\udbff][\udc00-\udfff]/;

/**
 * Places every label in the rows under its lane: starting at its mark (or ending at it near the
 * right edge), always inside the plot, in the first row where it overlaps nothing. Marks of one
 * kind too close to label apart share a label. A label that fits no row is cut to the room left
 * beside the row's last label when that stays near its mark, else left out (its mark keeps its
 * hover title).
 */
export function layoutLabels(marks: ReadonlyArray<Mark & { px: number }>): PlacedLabel[] {
  const byLane = new Map<string, Array<Mark & { px: number }>>();
  for (const mark of marks) byLane.set(mark.lane, [...(byLane.get(mark.lane) ?? []), mark]);
  const placed: PlacedLabel[] = [];
  for (const [lane, laneMarks] of byLane) {
    const sorted = [...laneMarks].sort((a, b) => a.px - b.px);
    // Marks too close to label apart share a label: the same label once with a count, and log
    // lines (a traceback is tens of them in a millisecond) as the first with how many follow.
    const groups: Array<{ first: Mark & { px: number }; n: number; labels: string[] }> = [];
    for (const mark of sorted) {
      const label = oneLine(mark.label ?? "");
      const last = groups.at(-1);
      const near = last && last.first.kind === mark.kind && mark.px - last.first.px < CLUSTER_PX;
      if (last && near && (mark.kind === "log" || last.labels.every((l) => l === label))) {
        last.n++;
        last.labels.push(label);
      } else groups.push({ first: { ...mark, label }, n: 1, labels: [label] });
    }
    const rowEnds: number[] = [];
    for (const group of groups) {
      const own = group.first.label ?? "";
      const same = group.labels.every((l) => l === own);
      const whole =
        group.n === 1
          ? own
          : same
            ? `${truncate(own, MAX_LABEL_CHARS - 4)} ×${group.n}`
            : `${truncate(own, MAX_LABEL_CHARS - 5)} (+${group.n - 1})`;
      let text = truncate(whole, MAX_LABEL_CHARS);
      const full = group.n > 1 && !same ? group.labels.join("; ") : text === whole ? undefined : own;
      let w = labelWidth(text);
      const px = group.first.px;
      // A fault's line runs down through its own label's rows: the label starts clear of it.
      const pad = group.first.kind === "fault" ? 4 : 0;
      const x1 = px + pad + w <= PLOT_END ? px + pad : px - pad - w >= LEFT ? px - pad - w : PLOT_END - w;
      let row = rowEnds.findIndex((end) => end + LABEL_GAP <= x1);
      let at = x1;
      if (row === -1 && rowEnds.length < MAX_ROWS) row = rowEnds.length;
      if (row === -1) {
        // Every row is taken here: beside the row that ends first, cut to what fits before the edge.
        const soonest = rowEnds.indexOf(Math.min(...rowEnds));
        at = (rowEnds[soonest] ?? LEFT) + LABEL_GAP;
        const room = Math.floor((PLOT_END - at) / CHAR_W);
        if (at - px > 3 * LABEL_GAP || room < 4) continue;
        text = truncate(text, room);
        w = labelWidth(text);
        row = soonest;
      }
      rowEnds[row] = at + w;
      placed.push({
        lane,
        text,
        kind: group.first.kind,
        x1: at,
        x2: at + w,
        row,
        ...(full !== undefined || text !== whole ? { full: full ?? whole } : {}),
      });
    }
  }
  return placed;
}

/** SVG text collapses runs of spaces: measured as drawn, a label must be written as drawn. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** Labels for timeline events: every kind of mark, and the first and last of a lane's chunks. */
function labelEvents(events: readonly TimelineEvent[], marks: Mark[]): void {
  const runs = new Map<string, number[]>();
  events.forEach((event, i) => {
    if (event.kind !== "chunk" && event.kind !== "event") {
      marks[i]!.label = eventLabel(event);
      return;
    }
    const key = `${event.source}\u0000${event.kind}`;
    runs.set(key, [...(runs.get(key) ?? []), i]);
  });
  for (const indexes of runs.values()) {
    const what = events[indexes[0]!]!.kind === "chunk" ? "byte" : "event";
    marks[indexes[0]!]!.label = `first ${what}`;
    if (indexes.length > 1) marks[indexes.at(-1)!]!.label = `last ${what}`;
  }
}

function eventLabel(event: TimelineEvent): string {
  const detail = event.detail.trim();
  switch (event.kind) {
    case "request":
      return "request";
    case "headers":
      return detail.replace(/\s*\(.*$/, "") || "headers";
    case "end":
      return `end: ${detail.split(/[\s:(]/)[0] || "?"}`;
    case "client-close": {
      const how = /\((fin|rst|abort|timeout)\)/i.exec(detail)?.[1];
      return how
        ? `closed: ${how.toUpperCase() === "ABORT" ? "abort" : how.toUpperCase()}`
        : detail.split(":")[0]!;
    }
    case "log":
      return `log: ${logText(detail)}`;
    default:
      return detail ? truncate(detail, MAX_LABEL_CHARS) : event.kind;
  }
}

/** A log line's message: a JSON log's msg, or the line without its leading timestamp. */
function logText(line: string): string {
  if (line.startsWith("{")) {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      const msg = parsed.msg ?? parsed.message;
      if (typeof msg === "string") return msg;
    } catch {
      // Not JSON after all: shown as it is.
    }
  }
  return line.replace(/^\[?\d{4}[-/]\d\d[-/]\d\d[ T][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?\]?\s*/, "") || line;
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
        label: [f.status, f.outcome].filter((part) => part !== undefined).join(" "),
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
        label: `${end.kind === "fin" || end.kind === "rst" ? end.kind.toUpperCase() : end.kind} ${side}`,
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
