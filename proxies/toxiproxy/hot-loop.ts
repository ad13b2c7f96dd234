import { performance } from "node:perf_hooks";

/**
 * Keeps the event loop polling for a short window after proxied bytes moved, instead of letting the
 * process sleep in epoll_wait the moment it has nothing to do.
 *
 * Why: a proxy hop is a ping-pong between processes. When the proxy's process is idle, the reply
 * that comes back a few tens of microseconds later has to wake a halted vCPU first; on the 2-core
 * VMs this runs on that wake-up alone costs ~0.2 ms per hop, more than the whole added latency of the
 * real Toxiproxy (0.11-0.13 ms, reference doc). Go's scheduler avoids it the same way: an M with no
 * work spins, polling the network, before it parks. Here, each setImmediate turn makes libuv poll
 * with a zero timeout, so a reply inside the window is read without a sleep and a wake-up.
 *
 * The cost is bounded by traffic: at most `windowMs` of one core per burst of bytes, and nothing
 * at all on an idle proxy. An LLM stream paced at 20 ms per token spends ~1% of a core on it.
 */
export class HotLoop {
  /** No polling: the loop sleeps as soon as it is idle. */
  static readonly off = new HotLoop(0);

  readonly windowMs: number;
  #lastActivity = 0;
  #spinning = false;

  constructor(windowMs: number) {
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`HotLoop window must be a finite number of ms >= 0, got ${windowMs}`);
    }
    this.windowMs = windowMs;
  }

  /** Bytes just moved: keep polling until `windowMs` passed without another call. */
  touch(): void {
    if (this.windowMs === 0) return;
    this.#lastActivity = performance.now();
    if (this.#spinning) return;
    this.#spinning = true;
    // Deliberately ref'd: Node only polls with a zero timeout while a ref'd immediate is pending
    // (an unref'd one lets libuv block). A process that is otherwise done lives `windowMs` longer.
    setImmediate(this.#spin);
  }

  get spinning(): boolean {
    return this.#spinning;
  }

  readonly #spin = (): void => {
    if (performance.now() - this.#lastActivity < this.windowMs) setImmediate(this.#spin);
    else this.#spinning = false;
  };
}

/** The window the server uses unless told otherwise: long enough for a loopback round trip. */
export const DEFAULT_HOT_LOOP_MS = 0.2;

/** What the server and `--hot-loop-ms` accept: 0 (never poll) to a second. */
export function isHotLoopWindow(ms: number): boolean {
  return Number.isFinite(ms) && ms >= 0 && ms <= 1000;
}
