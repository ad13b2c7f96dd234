import { now } from "../lib/clock.ts";

/**
 * How long (ms) the oldest waiting set-up may be held back while connections keep being accepted:
 * a flood of new connections still gets its requests answered, at the pace one set-up a loop turn
 * allows, once its first ones have waited this long. Why 80 and not 20: a herd of 1,000 takes
 * ~100-200 ms to accept, one connection a loop turn, and from the 20th ms on a set-up ran beside
 * every accept, so most of the herd was accepted at half pace and read, its schedule counted,
 * that much later. Herds of 1,000 streams with a first token at 100 ms (bench:peers' open
 * workload, rounds alternating between a build holding 80 ms and one holding 20): first-content
 * p99 104-157 ms against 145-257, the streams' lateness p99 14-40 ms against 43-156, CPU no
 * higher. The paced herd of 100 (a chunk every 10 ms) is mostly accepted within 20 ms: over 9
 * interleaved rounds its lateness p99 had the same median (~16 ms), and its worst round was 37 ms
 * against 66 and 71. A set-up held past its first due time writes what is due at once.
 */
export const ACCEPT_FIRST_MS = 80;

/**
 * Requests are set up one a loop turn, with I/O polled between two, and none on a turn that
 * accepted a connection. Why: a set-up (script, journal entry, plan, headers) costs ~0.3 ms, and
 * set up as each was read, a herd of 100 requests left the last ones unread for ~40 ms: unaccepted,
 * their arrival and so their whole schedule counted that late (bench:peers lateness p99 ~40 ms
 * against 7 for a bare server). One a turn was not enough on its own: libuv accepts one connection
 * a loop turn (libuv#3696; so does the libuv 1.46 of Node 20, where this was measured), so with a
 * set-up on each turn the herd was still accepted at the set-ups' pace, 0.1-0.3 ms a connection,
 * and bursts whose connections reached the queue after the first set-ups began had p99 lateness
 * of 20-40 ms again (strace: one accept4 between two epoll_pwait). A turn that accepted a
 * connection says more may be queued, so the set-ups wait for a turn that accepted none, or
 * ACCEPT_FIRST_MS: every request is accepted, read and stamped as it comes, and a set-up writes at
 * once whatever of its schedule is already due. A lone request on a new connection pays one loop
 * turn for it (its own accept is still on record when it is read): a poll that does not block,
 * microseconds.
 */
export class SetUpQueue {
  /** Set-ups from #next on wait; an immediate is set exactly while one does. */
  #waiting: Array<() => void> = [];
  /** When each waiting set-up was enqueued (`now()`), index for index with #waiting. */
  #since: number[] = [];
  #next = 0;
  /** A connection was accepted since the last turn looked. */
  #accepted = false;
  readonly #acceptFirstMs: number;

  constructor(acceptFirstMs = ACCEPT_FIRST_MS) {
    this.#acceptFirstMs = acceptFirstMs;
  }

  /** Called on each accepted connection: the next turn is left to the accept queue. */
  noteAccepted(): void {
    this.#accepted = true;
  }

  /**
   * Calls `setUp` in its turn: first come, first served, one a loop turn. A callback, not a
   * promise to await: an awaiting caller's frame stays suspended while it waits, and in a herd of
   * 1,000 requests every one waits here. `setUp` must not throw.
   */
  enqueue(setUp: () => void): void {
    this.#since.push(now());
    if (this.#waiting.push(setUp) === this.#next + 1) setImmediate(this.#setUpOne);
  }

  /** An immediate set from an immediate runs on the next loop turn, after its poll for I/O. */
  readonly #setUpOne = (): void => {
    const accepted = this.#accepted;
    this.#accepted = false;
    if (accepted && now() - this.#since[this.#next]! < this.#acceptFirstMs) {
      setImmediate(this.#setUpOne);
      return;
    }
    const setUp = this.#waiting[this.#next++]!;
    if (this.#next === this.#waiting.length) {
      // Emptied in place, not replaced: a fresh `[]` starts with V8's small-integer element kind
      // again, and the first `now()` (a double) or callback pushed into it threw away the code
      // TurboFan had compiled for the arrays before (two deopts, and a ~18 ms recompile of the
      // request path inside a measured round of bench:peers, --trace-deopt).
      this.#waiting.length = 0;
      this.#since.length = 0;
      this.#next = 0;
    } else setImmediate(this.#setUpOne);
    setUp();
  };
}
