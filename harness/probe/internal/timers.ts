/**
 * A probe's timers: one-shots (total timeout, hang-up after N ms, linger) and the one idle timer
 * that every read re-arms, all cleared at once when the exchange ends so none holds the process.
 */
export class ProbeTimers {
  readonly #handles = new Set<NodeJS.Timeout>();
  #idle: NodeJS.Timeout | undefined;

  after(ms: number, fn: () => void): void {
    const handle = setTimeout(() => {
      this.#handles.delete(handle);
      fn();
    }, ms);
    this.#handles.add(handle);
  }

  /** (Re)starts the idle timer: `fn` runs once `ms` pass without another call. */
  idle(ms: number, fn: () => void): void {
    this.cancelIdle();
    this.#idle = setTimeout(() => {
      this.#idle = undefined;
      fn();
    }, ms);
  }

  cancelIdle(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = undefined;
  }

  clear(): void {
    this.cancelIdle();
    for (const handle of this.#handles) clearTimeout(handle);
    this.#handles.clear();
  }
}
