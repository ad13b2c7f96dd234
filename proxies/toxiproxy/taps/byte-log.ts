import type { TapBytes } from "./tap-types.ts";

/** Bytes kept after a truncation, so that a reader still sees how the stream ended. */
const TAIL_BYTES = 1024;
/** Kept bytes are copied into blocks of this size (a larger read gets a block of its own). */
const BLOCK_BYTES = 64 * 1024;
/** What a kept segment costs beyond its bytes (four numbers of bookkeeping), charged to the budget too. */
const SEGMENT_OVERHEAD = 32;

/** Asks whether `bytes` more may be kept (and charges them when so). */
export type Budget = (bytes: number) => boolean;

/**
 * One direction's bytes at one point of the proxy, with the time of each read or write.
 *
 * The bytes are copied into a few large blocks, and each segment is four numbers in flat arrays:
 * holding the socket's own read buffers instead costs one ArrayBuffer per read, and thousands of
 * small ones (a stream of 1-byte reads) made every full GC of the process slower while bulk traffic
 * flowed (the bench: +60% proxy CPU per MB). Copying is cheap: it stops at the budget.
 */
export class ByteLog {
  bytes = 0;
  kept = 0;
  firstAt: number | undefined;
  lastAt: number | undefined;
  truncatedAt: number | undefined;
  #blocks: Buffer[] = [];
  /** Bytes used in the last block; blocks before it are full (or shared with a fork: never written again). */
  #blockUsed = BLOCK_BYTES;
  #times: number[] = [];
  #blockOf: number[] = [];
  #offsets: number[] = [];
  #lengths: number[] = [];
  #tail: Buffer | undefined;
  #tailLength = 0;
  readonly #budget: Budget;

  constructor(budget: Budget) {
    this.#budget = budget;
  }

  /** Records a read or write; returns whether its bytes were kept (false past the budget). */
  push(t: number, data: Buffer): boolean {
    this.bytes += data.length;
    this.firstAt ??= t;
    this.lastAt = t;
    if (data.length === 0) return true;
    if (this.truncatedAt === undefined && this.#budget(data.length + SEGMENT_OVERHEAD)) {
      this.#keep(t, data);
      return true;
    }
    this.truncatedAt ??= t;
    this.#keepTail(data);
    return false;
  }

  #keep(t: number, data: Buffer): void {
    let block = this.#blocks.at(-1);
    if (block === undefined || block.length - this.#blockUsed < data.length) {
      block = Buffer.allocUnsafe(Math.max(BLOCK_BYTES, data.length));
      this.#blocks.push(block);
      this.#blockUsed = 0;
    }
    data.copy(block, this.#blockUsed);
    this.#times.push(t);
    this.#blockOf.push(this.#blocks.length - 1);
    this.#offsets.push(this.#blockUsed);
    this.#lengths.push(data.length);
    this.#blockUsed += data.length;
    this.kept += data.length;
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

  /**
   * A copy that starts out with the same segments (the delivered side of a direction that was
   * direct so far). It shares the blocks written so far and writes only into blocks of its own.
   */
  fork(budget: Budget): ByteLog {
    const copy = new ByteLog(budget);
    copy.bytes = this.bytes;
    copy.kept = this.kept;
    copy.firstAt = this.firstAt;
    copy.lastAt = this.lastAt;
    copy.truncatedAt = this.truncatedAt;
    copy.#blocks = [...this.#blocks];
    copy.#times = [...this.#times];
    copy.#blockOf = [...this.#blockOf];
    copy.#offsets = [...this.#offsets];
    copy.#lengths = [...this.#lengths];
    if (this.#tail) copy.#tail = Buffer.from(this.#tail);
    copy.#tailLength = this.#tailLength;
    return copy;
  }

  /** What was recorded from `since` on (all of it without); the segments are views, not copies. */
  view(since?: number): TapBytes {
    const segments: TapBytes["segments"] = [];
    let keptBytes = 0;
    for (let i = 0; i < this.#times.length; i++) {
      const t = this.#times[i]!;
      if (since !== undefined && t < since) continue;
      const offset = this.#offsets[i]!;
      const length = this.#lengths[i]!;
      segments.push({ t, bytes: this.#blocks[this.#blockOf[i]!]!.subarray(offset, offset + length) });
      keptBytes += length;
    }
    const truncated = this.truncatedAt !== undefined && (since === undefined || this.lastAt! >= since);
    const view: TapBytes = { segments, bytes: keptBytes + (truncated ? this.bytes - this.kept : 0) };
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
