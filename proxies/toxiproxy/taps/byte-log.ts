import type { TapBytes, TapSegment } from "./tap-types.ts";

/** Bytes kept after a truncation, so that a reader still sees how the stream ended. */
const TAIL_BYTES = 1024;
/**
 * What a kept segment costs beyond its bytes (its object, the Buffer and its backing store), charged
 * to the budget too: a stream of 1-byte reads must not hold 100 times its budget.
 */
const SEGMENT_OVERHEAD = 96;

/** Asks whether `bytes` more may be kept (and charges them when so). */
export type Budget = (bytes: number) => boolean;

/**
 * One direction's bytes at one point of the proxy. Segments reference the socket's own buffers (no
 * copy): Node allocates each read at its size, so keeping one pins nothing more.
 */
export class ByteLog {
  segments: TapSegment[] = [];
  bytes = 0;
  kept = 0;
  firstAt: number | undefined;
  lastAt: number | undefined;
  truncatedAt: number | undefined;
  /**
   * The last bytes after a truncation, copied: holding on to the socket's read buffers instead would
   * let each one outlive a young-generation GC and be promoted, which costs more than the copy.
   */
  #tail: Buffer | undefined;
  #tailLength = 0;
  readonly #budget: Budget;

  constructor(budget: Budget) {
    this.#budget = budget;
  }

  /** Records a segment; `free` when its memory is already kept elsewhere (the same buffer). Returns whether it was kept. */
  push(t: number, data: Buffer, free = false): boolean {
    this.bytes += data.length;
    this.firstAt ??= t;
    this.lastAt = t;
    if (this.truncatedAt === undefined && (free || this.#budget(data.length + SEGMENT_OVERHEAD))) {
      this.segments.push({ t, bytes: data });
      this.kept += data.length;
      return true;
    }
    this.truncatedAt ??= t;
    this.#keepTail(data);
    return false;
  }

  #keepTail(data: Buffer): void {
    this.#tail ??= Buffer.allocUnsafe(TAIL_BYTES);
    const tail = this.#tail;
    if (data.length >= TAIL_BYTES) {
      data.copy(tail, 0, data.length - TAIL_BYTES);
      this.#tailLength = TAIL_BYTES;
      return;
    }
    const keep = Math.min(this.#tailLength, TAIL_BYTES - data.length);
    tail.copyWithin(0, this.#tailLength - keep, this.#tailLength);
    data.copy(tail, keep);
    this.#tailLength = keep + data.length;
  }

  /** A copy that starts out with the same segments (the delivered side of a direction that was direct so far). */
  fork(budget: Budget): ByteLog {
    const copy = new ByteLog(budget);
    copy.segments = [...this.segments];
    copy.bytes = this.bytes;
    copy.kept = this.kept;
    copy.firstAt = this.firstAt;
    copy.lastAt = this.lastAt;
    copy.truncatedAt = this.truncatedAt;
    if (this.#tail) copy.#tail = Buffer.from(this.#tail);
    copy.#tailLength = this.#tailLength;
    return copy;
  }

  /** What was recorded from `since` on (all of it without). */
  view(since?: number): TapBytes {
    const segments = since === undefined ? [...this.segments] : this.segments.filter((s) => s.t >= since);
    const keptBytes = segments.reduce((sum, s) => sum + s.bytes.length, 0);
    const truncated = this.truncatedAt !== undefined && (since === undefined || this.lastAt! >= since);
    const overflow = truncated ? this.bytes - this.kept : 0;
    const view: TapBytes = { segments, bytes: keptBytes + overflow };
    const firstAt = segments[0]?.t ?? (truncated ? this.truncatedAt : undefined);
    const lastAt = truncated ? this.lastAt : segments.at(-1)?.t;
    if (firstAt !== undefined) view.firstAt = firstAt;
    if (lastAt !== undefined) view.lastAt = lastAt;
    if (truncated) {
      view.truncatedAt = this.truncatedAt!;
      view.tail = Buffer.from(this.#tail?.subarray(0, this.#tailLength) ?? []);
    }
    return view;
  }
}
