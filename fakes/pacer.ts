import { now } from "../lib/clock.ts";
import { LOOKAHEAD, PreciseTimer } from "../lib/precise-timer.ts";

/** How long (ms) one wake-up goes on waking what came due while it ran. */
const CATCH_UP_MS = 1;

/** One wait: a promise's, or an alarm between two of its settings. */
interface Wake {
  due: number;
  resolve: (onTime: boolean) => void;
  /** Not in a bucket, or left in it to be skipped (cancelled). */
  settled: boolean;
  /** The bucket it waits in, while it does. */
  bucket: Bucket | undefined;
}

/**
 * Every wait due at one instant: one entry of the heap, woken in one pass, in the order set.
 * Streams paced on whole milliseconds (fakes/pacing.ts) share one per millisecond, so 1,000
 * streams a chunk every 100 ms make ~10 waits a bucket and a wake-up a millisecond, where a heap
 * entry per wait had made ten, each a timer round trip.
 */
class Bucket {
  due = 0;
  readonly wakes: Wake[] = [];
  /** Waits in it not yet settled: a bucket with none left is skipped like a cancelled wait. */
  live = 0;

  get settled(): boolean {
    return this.live === 0;
  }
}

/** A pending wait; `Pacer.cancel` ends it early (its stream was aborted) with `false`. */
export interface PacedWait {
  readonly promise: Promise<boolean>;
}

/**
 * A stream's own wake-up, set again and again (`Pacer.setAlarm`): the pacer calls `onWake(true)`
 * at the due time, from inside its timer callback, or `onWake(false)` if cancelled or closed
 * first. Why not a promise per wait: 100 paced streams wait 10^4 times a second, and each wait
 * was a promise, its resolvers, an await and a resumed async function, ~0.5 KB of garbage and a
 * microtask round trip per write. `onWake` must not throw.
 */
export class PacedAlarm implements Wake {
  due = 0;
  settled = true;
  bucket: Bucket | undefined = undefined;
  /** Cancelled: never set again (a cancelled entry may still sit in its bucket). */
  spent = false;
  readonly resolve: (onTime: boolean) => void;

  constructor(onWake: (onTime: boolean) => void) {
    this.resolve = onWake;
  }

  /** Set and not yet woken. */
  get pending(): boolean {
    return !this.settled;
  }
}

/**
 * One clock for every paced write of a fake server: a min-heap of due times, each a bucket of the
 * waits due then, and one precise timer armed for the earliest.
 *
 * Why not a setTimeout per write: Node's timers have 1 ms granularity against a loop clock that
 * lags, so a per-write timer lands up to ~1 ms late even on an idle machine, and 100 streams whose
 * events share a millisecond each pay a timer callback plus the microtask and nextTick round trip
 * around it before the next one can write. Here everything due is woken in one callback, in due
 * order, by a timer that keeps sub-millisecond time without spinning (lib/precise-timer.ts).
 */
export class Pacer {
  readonly #heap: Bucket[] = [];
  /** The bucket of each due time in the heap. */
  readonly #buckets = new Map<number, Bucket>();
  /** Emptied buckets, for reuse: one a millisecond would otherwise be garbage. */
  readonly #spare: Bucket[] = [];
  // Told how many due times each wake-up served (#wakeDue): under a herd most are served from
  // catchUp, not from a firing, and a firing serves every bucket due within CATCH_UP_MS.
  readonly #timer = new PreciseTimer(() => this.#onTimer(), { reportsServed: true });
  /** followingDues' answer, reused: the timer copies what it keeps. */
  readonly #following: number[] = [];
  #closed = false;
  /** Inside #wakeDue: what is set meanwhile is armed for once it returns. */
  #waking = false;

  /** Whether the timer's helper thread runs (lib/precise-timer.ts: only after sparse serving). */
  get helperStarted(): boolean {
    return this.#timer.helperStarted;
  }

  /** Waits until `due` (a `now()` time). Resolves true then, or false if cancelled or closed first. */
  waitUntil(due: number): PacedWait {
    if (this.#closed) return { promise: Promise.resolve(false) };
    let resolve!: (onTime: boolean) => void;
    const promise = new Promise<boolean>((r) => {
      resolve = r;
    });
    const wake: Wake & PacedWait = { due, resolve, settled: false, bucket: undefined, promise };
    this.#enqueue(wake);
    return wake;
  }

  /**
   * Sets `alarm` for `due` (a `now()` time). It must not be pending (one wait at a time, so a
   * bucket holds it at most once) nor cancelled. On a closed pacer it wakes at once with false.
   */
  setAlarm(alarm: PacedAlarm, due: number): void {
    if (alarm.pending || alarm.spent) throw new Error("a paced alarm was set while pending or after cancel");
    if (this.#closed) {
      alarm.spent = true;
      alarm.resolve(false);
      return;
    }
    alarm.due = due;
    alarm.settled = false;
    this.#enqueue(alarm);
  }

  #enqueue(wake: Wake): void {
    let bucket = this.#buckets.get(wake.due);
    if (bucket === undefined) {
      bucket = this.#spare.pop() ?? new Bucket();
      bucket.due = wake.due;
      this.#buckets.set(wake.due, bucket);
      this.#push(bucket);
      // Among the times the timer knows: it must hear of it (earlier than the last it was given).
      if (!this.#waking && wake.due < this.#timer.horizon) this.#rearm();
    }
    bucket.wakes.push(wake);
    bucket.live++;
    wake.bucket = bucket;
  }

  /** Wakes whatever is already due, from inside other work (a herd of requests arriving). */
  catchUp(): void {
    // The length first: reading [0] of an empty heap (every herd's first request) is an
    // out-of-bounds load, which throws optimized callers back to the interpreter.
    const heap = this.#heap;
    if (heap.length > 0 && heap[0]!.due <= now()) this.#onTimer();
  }

  /**
   * Ends a wait or a pending alarm now with `false`. Left in its bucket and skipped when it comes
   * up: cheaper than removal. A cancelled alarm is spent.
   */
  cancel(wait: PacedWait | PacedAlarm): void {
    const wake = wait as Wake;
    if (wait instanceof PacedAlarm) wait.spent = true;
    if (wake.settled === false) this.#settle(wake, false);
  }

  /** Resolves every pending wait with false and stops the timer. */
  close(): void {
    this.#closed = true;
    this.#timer.close();
    for (const bucket of this.#heap.splice(0)) {
      for (const wake of bucket.wakes) if (!wake.settled) this.#settle(wake, false);
    }
    this.#buckets.clear();
  }

  #settle(wake: Wake, onTime: boolean): void {
    wake.settled = true;
    const bucket = wake.bucket;
    wake.bucket = undefined;
    if (bucket !== undefined) bucket.live--;
    try {
      wake.resolve(onTime);
    } catch (error) {
      // An alarm's onWake broke its promise not to throw: surface it as a throwing timer callback
      // would, without leaving the other streams' wake-ups unserved.
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  /**
   * Wakes every wait that is due, earliest first: alarms write from in here, promises' writes run
   * right after this callback. What came due while those ran is woken too (the clock is read
   * again once the due ones are done), rather than after a round trip through the timer; for up
   * to CATCH_UP_MS, so a backlog does not keep the loop from polling I/O.
   */
  #wakeDue(): void {
    const heap = this.#heap;
    let t = now();
    const until = t + CATCH_UP_MS;
    let served = 0;
    this.#waking = true;
    try {
      while (heap.length > 0) {
        if (heap[0]!.due > t) {
          if (t >= until) break;
          t = now();
          if (heap[0]!.due > t) break;
        }
        this.#wakeBucket(this.#pop());
        served++;
      }
      while (heap.length > 0 && heap[0]!.settled) this.#recycle(this.#pop());
    } finally {
      this.#waking = false;
      this.#timer.served(served);
    }
  }

  /**
   * Settles a bucket's waits in the order they were set. Out of the map first: a wait set from
   * in here for the same instant (already past) goes to a new bucket, woken by this same pass.
   */
  #wakeBucket(bucket: Bucket): void {
    this.#buckets.delete(bucket.due);
    const wakes = bucket.wakes;
    for (let i = 0; i < wakes.length; i++) {
      const wake = wakes[i]!;
      if (!wake.settled) this.#settle(wake, true);
    }
    this.#recycle(bucket);
  }

  #recycle(bucket: Bucket): void {
    if (this.#buckets.get(bucket.due) === bucket) this.#buckets.delete(bucket.due);
    bucket.wakes.length = 0;
    bucket.live = 0;
    this.#spare.push(bucket);
  }

  #onTimer(): void {
    if (this.#closed) return;
    this.#wakeDue();
    this.#rearm();
  }

  /**
   * Arms for the earliest wait and tells the timer the few after it (followingDues), so it goes on
   * to them without being re-armed.
   */
  #rearm(): void {
    const heap = this.#heap;
    const next = heap.length > 0 ? heap[0]!.due : Number.POSITIVE_INFINITY;
    this.#timer.arm(next, followingDues(heap, LOOKAHEAD, this.#following));
  }

  #push(bucket: Bucket): void {
    const heap = this.#heap;
    heap.push(bucket);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.due <= bucket.due) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = bucket;
  }

  #pop(): Bucket {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && heap[right]!.due < heap[left]!.due ? right : left;
      if (heap[child]!.due >= last.due) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}

/**
 * The `count` earliest due times of live waits after the heap's top, ascending. The k-th smallest
 * of a heap is within its first k levels, so only those are looked at: a cancelled wait there can
 * hide a live one deeper down, which then costs a re-arm, not a late write. Kept in place by
 * insertion (no sort, no second array), in `into` when given (emptied first): this runs on every
 * wake-up.
 */
export function followingDues(
  heap: readonly { readonly due: number; readonly settled: boolean }[],
  count: number,
  into: number[] = [],
): number[] {
  const following = into;
  following.length = 0;
  if (count < 1) return following;
  const levels = Math.min(heap.length, 2 ** (count + 1) - 1);
  for (let i = 1; i < levels; i++) {
    const wake = heap[i]!;
    if (wake.settled) continue;
    const full = following.length === count;
    if (full && wake.due >= following[count - 1]!) continue;
    let j = full ? count - 1 : following.length;
    while (j > 0 && following[j - 1]! > wake.due) {
      following[j] = following[j - 1]!;
      j--;
    }
    following[j] = wake.due;
  }
  return following;
}
