import type { Placement } from "../faults/fault.ts";
import { providers } from "../providers/registry.ts";
import type { Codec, EventClass } from "../types.ts";
import type { Cassette } from "./cassette.ts";
import { type CassetteEvents, cassetteEvents } from "./events.ts";

/** Where a step goes in a recording: before the headers, after `byte` body bytes, or at `ms` after them. */
export type RecordedPlace = { phase: "pre-stream" } | { byte: number } | { byte: number; ms: number };

/**
 * A cassette read for replay, once per cassette: its body, events and writes, what each event is
 * in its provider's terms (the codec's `classify`), and where a fault step lands in it. Times here
 * are ms after the recorded headers, as `streamchaos cassette show` prints them.
 */
export class Recording {
  readonly cassette: Cassette;
  /** The codec of the provider it was recorded from; undefined for an `unknown` provider. */
  readonly codec: Codec | undefined;
  readonly split: CassetteEvents;
  /** What each event is, index for index with `split.events`. */
  readonly classes: readonly EventClass[];
  /** When the headers arrived, ms after the request started. */
  readonly headersT: number;
  /** How long the recording runs after its headers: its last write or its end, whichever is later. */
  readonly durationMs: number;

  constructor(cassette: Cassette) {
    this.cassette = cassette;
    this.codec = cassette.provider === "unknown" ? undefined : providers[cassette.provider];
    this.split = cassetteEvents(cassette);
    this.classes = this.split.events.map((event) => this.codec?.classify(event) ?? { kind: "meta" });
    this.headersT = cassette.response?.t ?? 0;
    const lastWrite = this.split.body.writes.at(-1)?.t ?? this.headersT;
    this.durationMs = Math.max(0, Math.max(lastWrite, cassette.end.t) - this.headersT);
  }

  get bytes(): Buffer {
    return this.split.body.bytes;
  }

  /** Offsets of the text deltas (content events), in order: `{token: n}` is the n-th. */
  get contentStarts(): number[] {
    return this.split.events.flatMap((event, i) =>
      this.classes[i]!.kind === "content" ? [event.offset] : [],
    );
  }

  /** The numbers that say how far a step may go, for messages: bytes, events, text deltas, duration. */
  size(): string {
    const { events } = this.split;
    return `${plural(this.bytes.length, "body byte")}, ${plural(events.length, "event")} (${plural(this.contentStarts.length, "text delta")}), ${round(this.durationMs)} ms after the headers`;
  }

  /**
   * Where a step placed at `placement` goes in this recording, or why it cannot go there (a place
   * beyond the recording). Phases are read off the recorded events: mid-stream is before the first
   * finish (or after the last text delta), after-finish after the last finish, after-terminator the
   * body's end.
   */
  place(placement: Placement): RecordedPlace | { error: string } {
    const size = this.bytes.length;
    const { events } = this.split;
    const beyond = (what: string, limit: string) => ({
      error: `${what} is beyond the recording, which has ${this.size()}; ${limit}`,
    });
    if ("byte" in placement) {
      if (placement.byte > size) return beyond(`byte ${placement.byte}`, `place it at byte ${size} at most`);
      return { byte: placement.byte };
    }
    if ("event" in placement) {
      const event = events[placement.event];
      if (!event) return beyond(`event ${placement.event}`, `events are numbered 0 to ${events.length - 1}`);
      return { byte: event.offset };
    }
    if ("token" in placement) {
      const starts = this.contentStarts;
      const start = starts[placement.token];
      if (start === undefined)
        return beyond(`token ${placement.token}`, `its text deltas are numbered 0 to ${starts.length - 1}`);
      return { byte: start };
    }
    if ("ms" in placement) {
      if (placement.ms > this.durationMs)
        return beyond(`ms ${placement.ms}`, `place it at ${round(this.durationMs)} ms at most`);
      // After every write that had arrived by then.
      const next = this.split.body.writes.find((write) => write.t - this.headersT > placement.ms);
      return { byte: next?.offset ?? size, ms: placement.ms };
    }
    if (placement.phase === "pre-stream") return { phase: "pre-stream" };
    if (placement.phase === "after-terminator") return { byte: size };
    const finishes = this.classes.flatMap((c, i) => (c.finish ? [i] : []));
    if (placement.phase === "after-finish") {
      const last = events[finishes.at(-1) ?? -1];
      return { byte: last ? last.offset + last.length : size };
    }
    const firstFinish = events[finishes[0] ?? -1];
    if (firstFinish) return { byte: firstFinish.offset };
    const lastContent = events[this.classes.findLastIndex((c) => c.kind === "content")];
    return { byte: lastContent ? lastContent.offset + lastContent.length : size };
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? "" : "s"}`;

const recordings = new WeakMap<Cassette, Recording>();

/** The recording of a cassette, read once however many requests replay it. */
export function recordingOf(cassette: Cassette): Recording {
  let recording = recordings.get(cassette);
  if (!recording) {
    recording = new Recording(cassette);
    recordings.set(cassette, recording);
  }
  return recording;
}
