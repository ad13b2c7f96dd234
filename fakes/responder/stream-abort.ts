/**
 * One request's abort: the client left or the server is closing. What an AbortController is for,
 * without making one per request: its signal is an EventTarget, made when first read, with a map
 * of listener lists, and in the heap profile of a herd of 1,000 requests that was ~1.8 KB and a
 * few microseconds of each request's set-up (signal and first listener), for a stream that nearly
 * never aborts and whose own listeners are two or three functions. A real AbortSignal is still
 * there for whoever asks for `signal` (a fault step, StreamControl), made then and aborted with
 * this one.
 */
export class StreamAbort {
  #aborted = false;
  #reason: unknown = undefined;
  /** Called once each, in the order added, when aborted. */
  readonly #listeners: Array<() => void> = [];
  #controller: AbortController | undefined = undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** An AbortSignal that aborts with this, made on first read. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts once; later calls do nothing, as AbortController.abort. */
  abort(reason: unknown = new Error("aborted")): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    // Taken out first: a listener that removes another (or itself) must not shift this walk.
    const listeners = this.#listeners.splice(0);
    for (const listener of listeners) {
      try {
        listener();
      } catch (error) {
        // As an EventTarget reports a throwing listener: the others still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    this.#controller?.abort(reason);
  }

  /** Calls `listener` once on abort (not if already aborted: check `aborted` first). */
  onAbort(listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener);
  }

  /** Takes back a listener not yet called. */
  offAbort(listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }
}
