/**
 * Requests are set up one a loop turn, with I/O polled between two. Why: a set-up (script,
 * journal entry, plan, headers) costs ~0.3 ms, and set up as each was read, a herd of 100
 * requests left the last ones unread for ~40 ms: unaccepted, their arrival and so their whole
 * schedule counted that late (bench:peers lateness p99 ~40 ms against 7 for a bare server). This
 * way every request is accepted, read and stamped as it comes, and the set-up writes at once
 * whatever of its schedule is already due.
 */
export class SetUpQueue {
  /** Callers from #next on wait; an immediate is set exactly while one does. */
  #waiting: Array<() => void> = [];
  #next = 0;

  /** Resolves when it is this caller's turn: first come, first served, one a loop turn. */
  turn(): Promise<void> {
    return new Promise((resolve) => {
      if (this.#waiting.push(resolve) === this.#next + 1) setImmediate(this.#setUpOne);
    });
  }

  /** An immediate set from an immediate runs on the next loop turn, after its poll for I/O. */
  readonly #setUpOne = (): void => {
    const resolve = this.#waiting[this.#next++]!;
    if (this.#next === this.#waiting.length) {
      this.#waiting = [];
      this.#next = 0;
    } else setImmediate(this.#setUpOne);
    resolve();
  };
}
