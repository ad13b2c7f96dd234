import { monitorEventLoopDelay } from "node:perf_hooks";

/**
 * When the harness's event loop is late by more than `highMs` in a window, fewer scenarios may run at
 * once; after a window late by less than `lowMs`, one more may. A timing check (a token held 400 ms
 * is buffering) is only as right as the harness's clocks: on a machine busy with other work, more
 * lanes make the verdicts wrong before they make the run faster.
 */
export const GATE = { windowMs: 500, highMs: 50, lowMs: 20 } as const;

/**
 * How many lanes may run at the same moment, between `min` and `max`, adjusted to how late the event
 * loop runs (additive increase, halving on lag). It starts at `min` and grows while the machine keeps
 * up, so all the lanes of an idle machine run; on a busy one a lane over the limit stops after its
 * scenario (never within one) and its worker waits here, holding no boxes, until it may start again.
 */
export class LaneGate implements Disposable {
  readonly min: number;
  readonly max: number;
  #limit: number;
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  readonly #stop: () => void;

  /**
   * `lagMs` returns how late the loop ran at worst since it was last called; `every` calls its
   * callback once per window until the function it returns is called. Both are replaceable for tests.
   */
  constructor(options: {
    min: number;
    max: number;
    lagMs?: () => number;
    every?: (callback: () => void) => () => void;
  }) {
    this.max = Math.max(1, options.max);
    this.min = Math.max(1, Math.min(options.min, this.max));
    this.#limit = this.min;
    if (this.min === this.max) {
      this.#stop = () => {};
      return;
    }
    const lag = options.lagMs ? { read: options.lagMs, stop: () => {} } : loopLag();
    const stopWindows = (options.every ?? everyWindow)(() => this.adjust(lag.read()));
    this.#stop = () => {
      stopWindows();
      lag.stop();
    };
  }

  /** How many may run now. */
  get limit(): number {
    return this.#limit;
  }

  /** More run than the limit allows: one of them should leave at its next chance. */
  get over(): boolean {
    return this.#running > this.#limit;
  }

  /** One window's worst lag: halve the limit when it is high, add one when it is low. */
  adjust(lagMs: number): void {
    if (lagMs > GATE.highMs) this.#limit = Math.max(this.min, Math.floor(this.#limit / 2));
    else if (lagMs < GATE.lowMs) this.#limit = Math.min(this.max, this.#limit + 1);
    this.#wake();
  }

  /** Resolves with a release function once this lane may run a scenario; an aborted wait resolves too. */
  async enter(signal?: AbortSignal): Promise<() => void> {
    while (this.#running >= this.#limit && !signal?.aborted) await this.#wait(false, signal);
    return this.#admit();
  }

  /**
   * For a lane that just released its slot because more ran than the limit, and still holds its
   * boxes: waits at most `withinMs` to run again, ahead of the lanes that hold none (they would have
   * to start theirs, which costs seconds on a busy machine). Resolves with a release function, or
   * undefined when the limit did not come back in time (or the wait was aborted): the lane stops then.
   */
  async holdOn(withinMs: number, signal?: AbortSignal): Promise<(() => void) | undefined> {
    const timeout = AbortSignal.timeout(withinMs);
    const until = signal ? AbortSignal.any([signal, timeout]) : timeout;
    while (this.#running >= this.#limit) {
      if (until.aborted) return undefined;
      await this.#wait(true, until);
    }
    return this.#admit();
  }

  #wait(first: boolean, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener("abort", done);
        resolve();
      };
      // Waiters are woken in order, and each looks again in that order: the first gets a free slot.
      if (first) this.#waiting.unshift(done);
      else this.#waiting.push(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  #admit(): () => void {
    this.#running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#wake();
    };
  }

  #wake(): void {
    // Every waiter looks again: the loop in enter() admits as many as the limit allows.
    for (const wake of this.#waiting.splice(0)) wake();
  }

  [Symbol.dispose](): void {
    this.#stop();
  }
}

/** The event loop's worst delay since the previous call, from Node's own histogram (10 ms resolution). */
function loopLag(): { read: () => number; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    read() {
      // max is in nanoseconds and includes the 10 ms sampling interval itself.
      const lag = Math.max(0, histogram.max / 1e6 - 10);
      histogram.reset();
      return lag;
    },
    stop: () => histogram.disable(),
  };
}

function everyWindow(callback: () => void): () => void {
  const timer = setInterval(callback, GATE.windowMs);
  // A run that ends does not wait for the gate's clock.
  timer.unref();
  return () => clearInterval(timer);
}
