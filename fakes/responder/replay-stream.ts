import { StreamchaosError } from "../../lib/errors.ts";
import type { Cassette } from "../cassettes/cassette.ts";
import { type Recording, recordingOf } from "../cassettes/recording.ts";
import type { Placement } from "../faults/fault.ts";
import { faults } from "../faults/registry.ts";
import { type FaultStep, placementOf, type Script } from "../script.ts";
import type { EventClass, PlannedEvent, ProviderStream, ResponseHead } from "../types.ts";

/** Where a step goes on a replay's plan: before the headers, after n body bytes, or after a time marker. */
export type ReplayPlace = { phase: "pre-stream" } | { byte: number } | { after: PlannedEvent };

/**
 * One piece of a recorded body as the responder writes it: a recorded write (or, when a step edits
 * the plan, the part of one that belongs to one event), its exact bytes, journaled like the event a
 * synthesized stream would have written there. A marker is a piece of no bytes at a time placement.
 */
export class RecordedPiece implements PlannedEvent {
  readonly kind: string;
  readonly text: string | undefined;
  readonly finish: boolean | undefined;
  readonly terminator: boolean | undefined;
  /** The recorded write it comes from; -1 for a marker. */
  readonly write: number;
  /** When the recording had it, ms after the recorded headers. */
  readonly due: number;
  readonly #bytes: Buffer;

  constructor(bytes: Buffer, write: number, due: number, what: EventClass) {
    this.#bytes = bytes;
    this.write = write;
    this.due = due;
    this.kind = what.kind;
    this.text = what.text;
    this.finish = what.finish;
    this.terminator = what.terminator;
  }

  render(): Buffer {
    return this.#bytes;
  }
}

/** Which kind a write holding the ends of several events is journaled as: what a check looks for first. */
const KIND_ORDER = [
  "content",
  "tool-call",
  "thinking",
  "error",
  "malformed",
  "finish",
  "usage",
  "terminator",
  "role",
  "meta",
  "keepalive",
];
const rank = (kind: string) => {
  const at = KIND_ORDER.indexOf(kind);
  return at < 0 ? KIND_ORDER.length : at;
};

/** Hop-by-hop headers: they described the recorded connection, and the fake frames its own body. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * A cassette replayed as a provider stream: the recorded status, headers and body bytes, write by
 * write with each write's recorded time (fakes/responder/replay-schedule.ts paces them). What a
 * fault step adds (an error event, a keepalive, a broken event) comes from the recorded provider's
 * own codec, whose stream this wraps.
 */
export class ReplayStream implements ProviderStream {
  readonly recording: Recording;
  readonly #codec: ProviderStream;
  readonly #route: string;
  readonly #eventCuts: boolean;
  /** The times of the script's `{ms}` placements that fall before the last write: each gets a marker. */
  readonly #markerTimes: number[];
  readonly #markers = new Map<number, PlannedEvent>();

  /**
   * `route` is the provider whose route the request came in on; `placements` are the script's steps'.
   * `eventCuts` cuts the writes at every event boundary too, so a step that edits the plan
   * (omit-terminator, usage-error) edits whole events; otherwise the recorded writes are kept.
   */
  constructor(
    codec: ProviderStream,
    recording: Recording,
    options: { route: string; placements: readonly Placement[]; eventCuts: boolean },
  ) {
    this.#codec = codec;
    this.recording = recording;
    this.#route = options.route;
    this.#eventCuts = options.eventCuts;
    const times = new Set<number>();
    for (const placement of options.placements) {
      const place = recording.place(placement);
      if ("ms" in place && place.byte < recording.bytes.length) times.add(place.ms);
    }
    this.#markerTimes = [...times].sort((a, b) => a - b);
  }

  headers() {
    return this.#codec.headers();
  }

  /** The recorded body as pieces, with a marker before the first write after each time placement. */
  plan(): PlannedEvent[] {
    return recordedPieces(this.recording, this.#eventCuts, this.#markerTimes, this.#markers);
  }

  renderToken(text: string, finish: boolean) {
    return this.#codec.renderToken(text, finish);
  }
  error(options: Parameters<ProviderStream["error"]>[0]) {
    return this.#codec.error(options);
  }
  keepalive() {
    return this.#codec.keepalive();
  }
  malformed() {
    return this.#codec.malformed();
  }
  unary() {
    return this.#codec.unary();
  }
  httpError(spec: Parameters<ProviderStream["httpError"]>[0]) {
    return this.#codec.httpError(spec);
  }

  /** Where a step placed at `placement` goes on the plan `plan()` made. */
  locate(placement: Placement): ReplayPlace {
    const place = this.recording.place(placement);
    if ("error" in place) {
      // Validation (fakes/cassettes/replay-check.ts) refuses these before a script is accepted.
      throw new StreamchaosError("FAKE_REPLAY_PLACEMENT", {
        what: "A step cannot be placed",
        why: place.error,
      });
    }
    if ("ms" in place) {
      const marker = this.#markers.get(place.ms);
      return marker ? { after: marker } : { byte: place.byte };
    }
    return place;
  }

  /**
   * The recorded status and headers with the hop-by-hop ones left out (the fake frames its own
   * chunks). A recorded content-length is kept only while no step may change the body's length
   * and it still describes the body (whole, or cut by the recording's own end): otherwise the body
   * goes chunked.
   */
  head(keepsLength: boolean): ResponseHead {
    const { cassette } = this.recording;
    if (cassette.provider !== this.#route) {
      throw new StreamchaosError("FAKE_CASSETTE_PROVIDER", {
        what: `The script replays a cassette recorded from ${cassette.provider}, but the request came in on the ${this.#route} route`,
        why: `a ${cassette.provider} recording is in ${cassette.provider}'s wire format, which a ${this.#route} client cannot read`,
        fix: `Point the backend at the ${cassette.provider} route, or replay a cassette recorded from ${this.#route}.`,
      });
    }
    const response = cassette.response!;
    const size = this.recording.bytes.length;
    const headers: string[] = [];
    for (const [name, value] of response.headers) {
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower)) continue;
      if (lower === "content-length") {
        const length = Number(value);
        const describes = length === size || (cassette.end.how === "upstream-closed" && length > size);
        if (!keepsLength || !describes) continue;
      }
      headers.push(name, value);
    }
    return { status: response.status, statusText: response.statusText || undefined, headers };
  }
}

/** The pieces of a recording: one per write, cut at event boundaries too when asked. */
function recordedPieces(
  recording: Recording,
  eventCuts: boolean,
  markerTimes: readonly number[],
  markers: Map<number, PlannedEvent>,
): PlannedEvent[] {
  const { body, events } = recording.split;
  const bytes = body.bytes;
  const cuts = new Set<number>(body.writes.map((w) => w.offset));
  if (eventCuts) for (const event of events) cuts.add(event.offset);
  cuts.delete(bytes.length);
  const starts = [...cuts].sort((a, b) => a - b);
  const markerAt = new Map<number, number[]>();
  for (const ms of markerTimes) {
    const place = recording.place({ ms });
    if ("byte" in place) markerAt.set(place.byte, [...(markerAt.get(place.byte) ?? []), ms]);
  }
  const plan: PlannedEvent[] = [];
  let writeIndex = 0;
  let eventIndex = 0;
  for (const [i, start] of starts.entries()) {
    const end = starts[i + 1] ?? bytes.length;
    while (writeIndex + 1 < body.writes.length && body.writes[writeIndex + 1]!.offset <= start) writeIndex++;
    const write = body.writes[writeIndex]!;
    const due = write.t - recording.headersT;
    for (const ms of markerAt.get(start) ?? []) {
      const marker = new RecordedPiece(Buffer.alloc(0), -1, ms, { kind: "marker" });
      markers.set(ms, marker);
      plan.push(marker);
    }
    // The events overlapping [start, end); the ones ending in it are the ones it completes.
    while (eventIndex < events.length && events[eventIndex]!.offset + events[eventIndex]!.length <= start)
      eventIndex++;
    const overlapping: number[] = [];
    for (let e = eventIndex; e < events.length && events[e]!.offset < end; e++) overlapping.push(e);
    plan.push(
      new RecordedPiece(
        bytes.subarray(start, end),
        write.index,
        due,
        pieceClass(recording, overlapping, end),
      ),
    );
  }
  return plan;
}

/** What a piece is: by the events it completes (a piece inside one event is that event's kind, no text yet). */
function pieceClass(recording: Recording, overlapping: readonly number[], end: number): EventClass {
  const { events } = recording.split;
  const ending = overlapping.filter((e) => events[e]!.offset + events[e]!.length <= end);
  if (ending.length === 0) {
    const inside = overlapping[0];
    const what = inside === undefined ? undefined : recording.classes[inside];
    return {
      kind: what?.kind ?? "meta",
      ...(what?.finish ? { finish: true } : {}),
      ...(what?.terminator ? { terminator: true } : {}),
    };
  }
  const classes = ending.map((e) => recording.classes[e]!);
  const kind = classes.map((c) => c.kind).sort((a, b) => rank(a) - rank(b))[0]!;
  const text = classes
    .filter((c) => c.kind === "content" && c.text !== undefined)
    .map((c) => c.text)
    .join("");
  return {
    kind,
    ...(text !== "" ? { text } : {}),
    ...(classes.some((c) => c.finish) ? { finish: true } : {}),
    ...(classes.some((c) => c.terminator) ? { terminator: true } : {}),
  };
}

/** The cassette a script replays, once its path was read (fakes/cassettes/script-cassette.ts). */
export function replayedCassette(script: Script): Cassette | undefined {
  const cassette = script.content?.cassette;
  return typeof cassette === "object" ? cassette : undefined;
}

/** The stream a request is answered with: the codec's own, or a replay of the script's cassette. */
export function openStream(codecStream: ProviderStream, route: string, script: Script): ProviderStream {
  const cassette = replayedCassette(script);
  if (!cassette) return codecStream;
  const steps = script.faults ?? [];
  return new ReplayStream(codecStream, recordingOf(cassette), {
    route,
    placements: steps.map(placementOf),
    eventCuts: steps.some((step) => faults[step.fault]?.transform !== undefined),
  });
}

/**
 * How a replay ends when its recording was cut mid-body (`end.how: upstream-closed`): with the same
 * cut, a FIN (or a RST when the recorder saw a reset), after the last recorded byte. Journaled as
 * that fault at "recording-end"; a step of the script that ends the body first wins.
 */
export function recordedEnding(script: Script): { step: FaultStep; label: string } | undefined {
  const cassette = replayedCassette(script);
  if (cassette?.end.how !== "upstream-closed") return undefined;
  const reset = /ECONNRESET|reset/i.test(cassette.end.error ?? "");
  return {
    step: { fault: reset ? "rst" : "fin", at: { phase: "after-terminator" } },
    label: "recording-end",
  };
}
