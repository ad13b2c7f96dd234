import { Worker } from "node:worker_threads";
import { now } from "./clock.ts";

/**
 * How many times after the armed one the helper is given (`arm`'s `following`). With 3, a helper
 * that ran out of times while the main thread was busy (100 streams put a due time every ~0.1 ms)
 * had to be woken by a futex notify on about one re-arm in ten, ~50 us of the main thread's time
 * each; with 7, one in a hundred.
 */
export const LOOKAHEAD = 7;
const SLOTS = LOOKAHEAD + 1;

/**
 * Armed this close (ms) to its time, the main thread waits for it itself, blocking its loop for at
 * most this long, with an I/O poll between two such waits. A gap this short costs less slept out
 * here than through the helper: its futex wake, its post and the loop's wake-up, ~50 us of the two
 * threads' CPU per time on a 2-vCPU VM. 100 paced streams put a time every ~0.1 ms, so nearly all
 * of them had come through the helper; waiting here took ~10% of a core off the process and the
 * median lateness from 0.17 to 0.12 ms (bench:fakes). Wider, it would hold the loop's other work
 * back longer for times the helper meets as well.
 */
export const NEAR_MS = 0.2;

/**
 * A fallback already set for no later than this (ms) after a new arming is left to serve it: it
 * fires, finds the time not yet come and sets itself again. Clearing and setting a setTimeout on
 * each arming churned Node's timer lists on every wake-up, several per ms with 100 paced streams,
 * for a net that setTimeout's own 1 ms granularity makes this coarse anyway.
 */
const FALLBACK_SLACK_MS = 1;

/**
 * Serving this many times a second or more (its firings, or the due times its owner says it served:
 * `reportsServed`; over the last DENSE_WINDOW_MS or longer), the timer
 * leaves its helper parked and keeps time with setTimeout and near waits alone: a wake-up through
 * the helper is a futex wake, a post and two context switches, and at 1,000 a second (1,000
 * streams paced every 100 ms, 100 every 10 ms) that was ~15% of the fake's CPU for ~0.3 ms of
 * median lateness (bench:fakes: p50 0.33 -> 0.58 ms, p99 ~2 ms either way, the machine's stalls).
 * So densely, at ~1 ms granularity: no drift all the same, every time is still absolute. Sparsely
 * (a scenario's few streams), the helper's sub-millisecond times cost next to nothing.
 */
const DENSE_PER_SECOND = 200;
const DENSE_WINDOW_MS = 100;

/**
 * The helper starts (with the fallback on) only once the timer has served sparsely for this many
 * windows in a row, each measured over serving (one longer than QUIET_MS held a quiet, not a
 * rate): a second of it. Why not at the first arming: a thread with its own isolate is ~9.5 MB of
 * RSS, ~45 ms of CPU and ~40 ms before it first posts on this 2-vCPU VM, and a timer that serves
 * densely (1,000 streams paced every 100 ms, 100 every 10 ms) only ever leaves it parked. Why a
 * whole second: a burst of streams winds down through a few sparse windows as its last ones end
 * (~0.3-0.5 s for a herd of 1,000 here), and a helper started then would be held for nothing.
 * Until it runs, times are kept as dense ones are, on setTimeout and near waits, ~1 ms granular
 * (as they were anyway while a helper started at the first arming was booting).
 */
const SPARSE_WINDOWS_TO_START = 10;
const QUIET_MS = 10 * DENSE_WINDOW_MS;

/**
 * The helper thread: sleeps on a futex until the armed time, posts it, then goes straight on to the
 * times expected after it, and sleeps until re-armed when none is left.
 * Plain CommonJS so it runs as an eval'd worker without the TypeScript loader.
 * state[0] is the arming generation, state[1] is 1 once closed; due[0] is the armed time and
 * due[1..] the ones expected after it, ascending, all on the helper's clock (process.hrtime, ms);
 * sleepsUntil[0] is the time the helper sleeps until (Infinity: until notified), which tells the
 * main thread whether a new arming needs to wake it.
 * It posts a hair after the time (MARGIN) so the main thread, reading the same clock another way,
 * never finds itself early.
 */
const HELPER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const state = new Int32Array(workerData.buffer, 0, 2);
const due = new Float64Array(workerData.buffer, 8, ${SLOTS});
const sleepsUntil = new Float64Array(workerData.buffer, 8 + 8 * ${SLOTS}, 1);
const MARGIN = 0.002;
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;
let posted = -Infinity;
for (;;) {
  const generation = Atomics.load(state, 0);
  if (Atomics.load(state, 1) === 1) break;
  let target = Infinity;
  for (let i = 0; i < due.length; i++) {
    if (due[i] > posted) {
      target = due[i];
      break;
    }
  }
  sleepsUntil[0] = target;
  if (target === Infinity) {
    Atomics.wait(state, 0, generation);
    continue;
  }
  const left = target + MARGIN - hrMs();
  if (left > 0) {
    Atomics.wait(state, 0, generation, left);
    continue;
  }
  posted = target;
  parentPort.postMessage(target);
}
`;

/**
 * A one-shot timer with sub-millisecond precision that does not keep a core busy.
 *
 * Why: Node's timers have 1 ms granularity against a loop clock that lags, so a setTimeout lands
 * up to ~1 ms (often more) after the time asked for, and polling the loop to do better burns a
 * core and allocates an Immediate per turn. Here a helper thread sleeps on a futex with the exact
 * timeout and posts a message at the due time, which wakes the loop like any I/O. A plain
 * setTimeout is armed alongside as a fallback (the helper takes ~40 ms to start, starts only once
 * the timer is seen serving sparsely (SPARSE_WINDOWS_TO_START), and a thread can be descheduled),
 * so the timer is never later than a setTimeout set up to FALLBACK_SLACK_MS after the time would be.
 *
 * A time closer than NEAR_MS when armed is waited out on the main thread itself instead, in a
 * setImmediate, so the loop polls I/O between two such waits.
 *
 * `arm(at, following)`: `following` are the times the caller expects to arm for next. The helper
 * goes on to them by itself after firing, so re-arming for one of them costs no futex wake: with
 * 100 paced streams the wake syscall had been a tenth of the fake's busy time.
 */
export class PreciseTimer {
  readonly #onFire: () => void;
  readonly #useFallback: boolean;
  #worker: Worker | undefined;
  /** The memory shared with the helper, once it runs (layout: HELPER_SOURCE). */
  #shared: { state: Int32Array; due: Float64Array; sleepsUntil: Float64Array } | undefined;
  #fallback: NodeJS.Timeout | undefined;
  /** The `now()` time the fallback is set for; Infinity when none is. */
  #fallbackAt = Number.POSITIVE_INFINITY;
  #armedFor = Number.POSITIVE_INFINITY;
  /** The published times after #armedFor, ascending, each later than it. */
  #following: number[] = [];
  /** process.hrtime in ms minus now(): the helper thread has its own performance.now() origin. */
  #hrOffset = 0;
  #closed = false;
  readonly #nearMs: number;
  /** A setImmediate is set to wait out a near time (NEAR_MS) on this thread. */
  #nearPending = false;
  /** The helper was given no time (the main thread waits for near ones itself). */
  #helperParked = false;
  /** Never notified: Atomics.wait on it is a sleep with a sub-millisecond timeout. */
  readonly #sleeper = new Int32Array(new SharedArrayBuffer(4));

  readonly #useHelper: boolean;
  readonly #reportsServed: boolean;
  /** Serving densely (DENSE_PER_SECOND): the helper is left parked. */
  #dense = false;
  /** Windows in a row that found it serving sparsely (SPARSE_WINDOWS_TO_START). */
  #sparseWindows = 0;
  #windowStart = Number.NEGATIVE_INFINITY;
  #windowServed = 0;

  /**
   * `fallback: false` leaves the helper thread alone in charge, `helper: false` the fallback
   * (tests of each); `nearMs` replaces NEAR_MS (0: the helper handles every time).
   * `reportsServed`: how densely it serves is what the owner reports (`served`), not its firings.
   */
  constructor(
    onFire: () => void,
    options: { fallback?: boolean; helper?: boolean; nearMs?: number; reportsServed?: boolean } = {},
  ) {
    this.#onFire = onFire;
    this.#reportsServed = options.reportsServed ?? false;
    this.#useFallback = options.fallback ?? true;
    this.#useHelper = options.helper ?? true;
    this.#nearMs = options.nearMs ?? NEAR_MS;
  }

  /** The `now()` time it is armed for; Infinity when disarmed. */
  get armedFor(): number {
    return this.#armedFor;
  }

  /** The helper is left parked: the timer serves too often for it to pay (DENSE_PER_SECOND). */
  get dense(): boolean {
    return this.#dense;
  }

  /** Its helper thread was started (it runs until close). */
  get helperStarted(): boolean {
    return this.#worker !== undefined;
  }

  /** The latest time the helper was given; Infinity while it has slots to spare. */
  get horizon(): number {
    return this.#following.length === SLOTS - 1 ? this.#following[SLOTS - 2]! : Number.POSITIVE_INFINITY;
  }

  /**
   * Arms for `at` (a `now()` time), replacing any earlier arming; Infinity disarms. `following`,
   * ascending, are the next times the caller expects to arm for (the first SLOTS - 1 are kept).
   */
  arm(at: number, following: readonly number[] = []): void {
    if (this.#closed) return;
    this.#armedFor = at;
    // Kept in place: this runs on every wake-up.
    const kept = this.#following;
    kept.length = 0;
    for (const t of following) {
      if (t <= at) continue;
      kept.push(t);
      if (kept.length === SLOTS - 1) break;
    }
    if (at === Number.POSITIVE_INFINITY) this.#clearFallback();
    else if (this.#useFallback) this.#armFallback(at);
    if (at - now() <= this.#nearMs) {
      this.#armNear();
      return;
    }
    if (this.#dense) {
      this.#parkHelper();
      return;
    }
    // Without the fallback the helper is all there is, so it starts at once.
    if (
      at !== Number.POSITIVE_INFINITY &&
      this.#useHelper &&
      (this.#sparseWindows >= SPARSE_WINDOWS_TO_START || !this.#useFallback)
    ) {
      this.#ensureHelper();
    }
    this.#publish();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearFallback();
    this.#armedFor = Number.POSITIVE_INFINITY;
    this.#following = [];
    if (this.#shared) {
      const { state } = this.#shared;
      Atomics.store(state, 1, 1);
      Atomics.add(state, 0, 1);
      Atomics.notify(state, 0);
    }
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  /**
   * Leaves the time to #onNear, after whatever else the loop has to do this turn, and parks the
   * helper so it does not wake for it too: it sleeps until notified once its current sleep ends.
   */
  #armNear(): void {
    if (!this.#nearPending) {
      this.#nearPending = true;
      setImmediate(this.#onNear);
    }
    this.#parkHelper();
  }

  /** Takes every time from the helper: it sleeps until notified once its current sleep ends. */
  #parkHelper(): void {
    if (this.#shared && !this.#helperParked) {
      this.#helperParked = true;
      const { state, due } = this.#shared;
      due.fill(Number.POSITIVE_INFINITY);
      Atomics.add(state, 0, 1);
    }
  }

  readonly #onNear = (): void => {
    this.#nearPending = false;
    if (this.#closed || this.#armedFor === Number.POSITIVE_INFINITY) return;
    let left = this.#armedFor - now();
    // Re-armed for a later time since, which armed the helper and the fallback.
    if (left > this.#nearMs) return;
    while (left > 0) {
      Atomics.wait(this.#sleeper, 0, 0, left);
      left = this.#armedFor - now();
    }
    this.#fire();
  };

  /** The helper posts each time it was given as it comes (its own clock; not needed here). */
  readonly #onHelper = (): void => {
    // A post for an older arming (re-armed since) is not this one's time.
    if (now() < this.#armedFor) return;
    this.#fire();
  };

  /** Sets the fallback for `at`, unless one already set will come no later than it needs to. */
  #armFallback(at: number): void {
    if (this.#fallback !== undefined && this.#fallbackAt <= at + FALLBACK_SLACK_MS) return;
    clearTimeout(this.#fallback);
    this.#fallbackAt = at;
    this.#fallback = setTimeout(this.#onFallback, Math.max(0, at - now()));
  }

  #clearFallback(): void {
    clearTimeout(this.#fallback);
    this.#fallback = undefined;
    this.#fallbackAt = Number.POSITIVE_INFINITY;
  }

  /**
   * Fires a time nothing else fired yet. Set for an earlier arming, or early against now() (the
   * loop's ms clock lags), it sets itself again for what is armed now.
   */
  readonly #onFallback = (): void => {
    this.#clearFallback();
    if (this.#closed || this.#armedFor === Number.POSITIVE_INFINITY) return;
    const left = this.#armedFor - now();
    if (left <= 0) this.#fire();
    // The loop's ms clock lags: a setTimeout lands up to ~1 ms early against now(). Set again, it
    // would come a whole ms later; what is near is waited out here instead.
    else if (left <= this.#nearMs) this.#armNear();
    else this.#armFallback(this.#armedFor);
  };

  #fire(): void {
    // The helper, a near wait and the fallback race: whichever comes second finds the timer
    // disarmed. The fallback is left set: it finds the timer disarmed or re-armed, and re-arming
    // for a time the pacer already knows (nearly always) costs no new setTimeout.
    if (this.#closed || this.#armedFor === Number.POSITIVE_INFINITY) return;
    this.#armedFor = Number.POSITIVE_INFINITY;
    if (!this.#reportsServed) this.#countServed(1);
    this.#onFire();
  }

  /**
   * With `reportsServed`: the owner served `count` due times in one go, from a firing or from
   * inside other work (Pacer.catchUp). One firing can serve many (everything due within a catch-up),
   * and under load most are served without one, so firings alone undercount how busy it is.
   */
  served(count: number): void {
    if (this.#reportsServed && !this.#closed && count > 0) this.#countServed(count);
  }

  /** Decides, once a window, whether the timer serves densely (DENSE_PER_SECOND). */
  #countServed(count: number): void {
    // Without the fallback the helper is all there is.
    if (!this.#useFallback) return;
    this.#windowServed += count;
    const t = now();
    const elapsed = t - this.#windowStart;
    if (elapsed < DENSE_WINDOW_MS) return;
    // A first window, or one after a long quiet, is measured over all its length: not dense, but
    // not a sign of sparse serving either (QUIET_MS).
    this.#dense = (this.#windowServed * 1000) / elapsed >= DENSE_PER_SECOND;
    this.#sparseWindows = this.#dense || elapsed > QUIET_MS ? 0 : this.#sparseWindows + 1;
    this.#windowStart = t;
    this.#windowServed = 0;
  }

  /** Shares the times with the helper; wakes it only if it would otherwise sleep past `at`. */
  #publish(): void {
    if (!this.#shared) return;
    this.#helperParked = false;
    const { state, due, sleepsUntil } = this.#shared;
    const at = this.#armedFor;
    due[0] = at + this.#hrOffset;
    const following = this.#following;
    // Within its length: a read past the end deoptimizes the caller.
    for (let i = 1; i < SLOTS; i++) {
      due[i] = (i <= following.length ? following[i - 1]! : Number.POSITIVE_INFINITY) + this.#hrOffset;
    }
    Atomics.add(state, 0, 1);
    if (at === Number.POSITIVE_INFINITY) return;
    // Waking by itself no later than `at`, the helper reads the new times then (a helper between
    // reading them and sleeping sees the generation moved and does not sleep).
    if (sleepsUntil[0]! <= at + this.#hrOffset) return;
    Atomics.notify(state, 0);
  }

  #ensureHelper(): void {
    if (this.#worker) return;
    const buffer = new SharedArrayBuffer(8 + 8 * SLOTS + 8);
    this.#shared = {
      state: new Int32Array(buffer, 0, 2),
      due: new Float64Array(buffer, 8, SLOTS).fill(Number.POSITIVE_INFINITY),
      sleepsUntil: new Float64Array(buffer, 8 + 8 * SLOTS, 1).fill(Number.POSITIVE_INFINITY),
    };
    this.#hrOffset = Number(process.hrtime.bigint()) / 1e6 - now();
    const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { buffer } });
    // Never what keeps a process alive: whatever waits on the timer holds its own handles.
    worker.unref();
    worker.on("message", this.#onHelper);
    // A helper that cannot start (thread limits) leaves the setTimeout fallback in charge.
    worker.on("error", () => {});
    this.#worker = worker;
  }
}
