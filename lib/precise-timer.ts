import { Worker } from "node:worker_threads";
import { now } from "./clock.ts";

/**
 * The helper thread: sleeps on a futex until the armed time, posts once, then sleeps until re-armed.
 * Plain CommonJS so it runs as an eval'd worker without the TypeScript loader.
 * state[0] is the arming generation, state[1] is 1 once closed; due[0] is the armed time.
 */
const HELPER_SOURCE = `
const { workerData, parentPort } = require("node:worker_threads");
const state = new Int32Array(workerData.buffer, 0, 2);
const due = new Float64Array(workerData.buffer, 8, 1);
const hrMs = () => Number(process.hrtime.bigint()) / 1e6;
for (;;) {
  const generation = Atomics.load(state, 0);
  if (Atomics.load(state, 1) === 1) break;
  const left = due[0] - hrMs();
  if (left > 0) {
    Atomics.wait(state, 0, generation, left);
    continue;
  }
  parentPort.postMessage(generation);
  Atomics.wait(state, 0, generation);
}
`;

/**
 * A one-shot timer with sub-millisecond precision that does not keep a core busy.
 *
 * Why: Node's timers have 1 ms granularity against a loop clock that lags, so a setTimeout lands
 * up to ~1 ms (often more) after the time asked for, and polling the loop to do better burns a
 * core and allocates an Immediate per turn. Here a helper thread sleeps on a futex with the exact
 * timeout and posts a message at the due time, which wakes the loop like any I/O. A plain
 * setTimeout is armed alongside as a fallback (the helper starts in ~20 ms, and a thread can be
 * descheduled), so the timer is never later than setTimeout would be.
 */
export class PreciseTimer {
  readonly #onFire: () => void;
  #worker: Worker | undefined;
  #state: Int32Array | undefined;
  #due: Float64Array | undefined;
  #fallback: NodeJS.Timeout | undefined;
  #armedFor = Number.POSITIVE_INFINITY;
  /** process.hrtime in ms minus now(): the helper thread has its own performance.now() origin. */
  #hrOffset = 0;
  #generation = 0;
  #closed = false;

  constructor(onFire: () => void) {
    this.#onFire = onFire;
  }

  /** The `now()` time it is armed for; Infinity when disarmed. */
  get armedFor(): number {
    return this.#armedFor;
  }

  /** Arms for `at` (a `now()` time), replacing any earlier arming. Infinity disarms. */
  arm(at: number): void {
    if (this.#closed) return;
    this.#armedFor = at;
    clearTimeout(this.#fallback);
    this.#fallback = undefined;
    if (at === Number.POSITIVE_INFINITY) {
      this.#publish(at);
      return;
    }
    this.#ensureHelper();
    this.#publish(at + this.#hrOffset);
    this.#fallback = setTimeout(this.#onFallback, Math.max(0, at - now()));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#fallback);
    this.#armedFor = Number.POSITIVE_INFINITY;
    if (this.#state) {
      Atomics.store(this.#state, 1, 1);
      Atomics.add(this.#state, 0, 1);
      Atomics.notify(this.#state, 0);
    }
    void this.#worker?.terminate();
    this.#worker = undefined;
  }

  /** The helper posts the generation it slept for: one from before the last arm() is stale. */
  readonly #onHelper = (generation: number): void => {
    if (generation !== this.#generation) return;
    // The two clocks are the same one read two ways, but a rounding can land a hair early.
    if (now() < this.#armedFor) this.#publish(this.#armedFor + this.#hrOffset);
    else this.#fire();
  };

  /** setTimeout may fire a little early against now(): the loop's ms clock lags. */
  readonly #onFallback = (): void => {
    const left = this.#armedFor - now();
    if (left > 0) this.#fallback = setTimeout(this.#onFallback, left);
    else this.#fire();
  };

  #fire(): void {
    // The helper and the fallback race: whichever comes second finds the timer disarmed.
    if (this.#closed || this.#armedFor === Number.POSITIVE_INFINITY) return;
    this.#armedFor = Number.POSITIVE_INFINITY;
    clearTimeout(this.#fallback);
    this.#fallback = undefined;
    this.#onFire();
  }

  #publish(hrAt: number): void {
    if (!this.#state || !this.#due) return;
    this.#due[0] = hrAt;
    this.#generation = Atomics.add(this.#state, 0, 1) + 1;
    Atomics.notify(this.#state, 0);
  }

  #ensureHelper(): void {
    if (this.#worker) return;
    const buffer = new SharedArrayBuffer(16);
    this.#state = new Int32Array(buffer, 0, 2);
    this.#due = new Float64Array(buffer, 8, 1);
    this.#due[0] = Number.POSITIVE_INFINITY;
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
