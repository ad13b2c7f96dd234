import { setFlagsFromString } from "node:v8";

/** Twice the allocation rate V8 calls low (1,000 bytes/ms) when it decides to shrink the new space. */
export const KEEP_YOUNG_BYTES_PER_S = 2 * 1024 * 1024;
export const KEEP_YOUNG_EVERY_MS = 500;
/**
 * A burst this long after the last one is not the next round of the same run: the process goes
 * quiet, and the next burst grows the new space back as before.
 */
export const KEEP_YOUNG_FOR_MS = 60_000;

/** Arrays of 64 KiB: under V8's largest regular object (128 KiB), so they land in the new space. */
const GARBAGE_ELEMENTS = 8192;
const GARBAGE_BYTES = GARBAGE_ELEMENTS * 8;
/** Where the garbage goes, so that no compiler may leave it unallocated. */
let _sink: unknown;

/** Allocates about `bytes` in V8's new space, none of it kept. */
export function allocateYoungGarbage(bytes: number): void {
  for (let left = bytes; left > 0; left -= GARBAGE_BYTES) _sink = new Array(GARBAGE_ELEMENTS);
  _sink = undefined;
}

export interface IdleHeapHoldOptions {
  /** V8's setFlagsFromString; tests pass a recorder. */
  setFlags?: (flags: string) => void;
  /** allocateYoungGarbage; tests pass a recorder. */
  allocate?: (bytes: number) => void;
}

/**
 * Keeps a long-lived server's heap, and the code compiled against it, as it is between bursts of
 * traffic, for a process that is nothing but that server (`streamchaos fake` on its own).
 *
 * Why: ~8 s after a burst, V8's memory reducer runs up to three collections to shrink the idle heap.
 * Those keep no hidden class (map) that no live object holds, so when every socket, write request
 * and response of the burst is gone, the next burst's get new maps: every optimized function that
 * had seen the old ones is thrown away ("weak objects", "wrong map" in --trace-deopt) and compiled
 * again, and the heap grows back through a few more full collections. Measured on the fake over
 * bursts of 1,000 streams x 50 chunks 15 s apart (--trace-gc --trace-opt --trace-deopt): three
 * reducing collections after each burst and 107 "weak objects" deopts over 6 bursts; held, none and
 * one, and the optimizing compiles of each burst fell ~320 -> 90 -> 60 -> 30 as the process warmed
 * where they had stayed at 60-140. CPU a burst, 15 s apart, came to what it is 1 s apart.
 *
 * `node --no-memory-reducer` is a start-up flag (the bin cannot add it without starting a second
 * process). What can change at run time is incremental marking, and the reducer only ever starts
 * its collections as incremental marking: with that switched off while nothing is being served, the
 * reducer's timer finds nothing it may start and waits again. The first request switches it back on,
 * so collections under traffic stay incremental, in short steps (what pacing lateness needs). With no
 * request in hand little is allocated, so a collection is rarely due while it is off; one that is
 * makes one longer pause, with no stream being paced.
 *
 * The cost: the old generation keeps the size of the busiest moment until the process ends, instead
 * of shrinking a few seconds after each burst; the young generation, for a minute after each burst.
 *
 * The young generation it holds another way. At each scavenge V8 shrinks the new space and gives
 * back its from-space when the allocation rate it has traced reads under 1,000 bytes/ms
 * (Heap::ShouldResizeNewSpace, in V8 11.3 of Node 20 and 12.4 of Node 22; not the reducer's
 * doing). The first scavenge after an idle reads the idle's rate: with a 4 MB semi-space, after
 * ~4 s of it; with 16 MB, after ~17 s. So a burst after a pause started with a small new space and
 * grew it back through a run of short scavenges, each page of it faulted in again (on this VM, whose
 * balloon reports free pages to the host, by the host too). So, while it holds, it allocates
 * KEEP_YOUNG_BYTES_PER_S of garbage that nothing keeps, twice the rate V8 calls low, for
 * KEEP_YOUNG_FOR_MS after the last burst. Measured on the bundled fake, 100 streams x 200 chunks
 * every 10 ms, its rounds 10 s apart as in bench:peers, built without and with it and interleaved
 * (20 rounds each): CPU a round 410 -> 350 ms (median), page faults a round 2,000 -> 600, pacing
 * lateness p99 8.8 -> 8.7 ms. 1,000 streams x 50 chunks every 100 ms, rounds ~30 s apart (6 each):
 * 1,360 -> 1,240 ms, 5,500 -> 250 faults. Its own cost, for that minute: ~50 ms of CPU over 30 s
 * of idle against ~10 ms for `--shrink-when-idle` (~0.2% of a core: two wake-ups a second and a
 * scavenge of nothing every few seconds), and the new space's pages stay resident: with 1,000
 * streams open, RSS 112 -> 135 MB in bench:peers.
 *
 * Nor does it stop the reducer for good. The reducer's timer never finishes while collections are
 * held off, so it checks again every ~8 s for the life of the process (--trace-gc-verbose: "waiting
 * for 8000 ms", again and again). When a check lands in the first second or two of a burst, it
 * finds incremental marking switched back on and V8 averages the allocation rate over a window that
 * still holds the idle gap. The rate reads low, so the reducer starts its collection under traffic.
 * Measured with bursts of 1,000 streams x 50 chunks 13 s apart (--trace-gc), 2 bursts of 50 were
 * hit. The collection shrank the new space to its least (and, where deopts were traced, threw away
 * ~50 optimized functions: "weak objects"). The next burst began with 15-17 scavenges in 250-300 ms
 * and cost 1,680 and 2,270 ms of CPU, against 1,170-1,480 ms for the other warmed bursts of those
 * runs: rare, but such a burst is an outlier round in npm run bench:peers. What did not help:
 * v8.setFlagsFromString("--no-memory-reducer"), because on Node 20 the timer still runs; the flag
 * only works at start-up. Keeping incremental marking off under traffic too did stop those
 * collections, but the old generation then grew to 91 MB before its first full collection (RSS
 * 142-146 MB against 126-139), and the CPU was no lower.
 *
 * Not for a process that hosts other work (a test runner with a fake started in it): the switch is
 * the whole process's, so startFakeProvider leaves it alone unless told.
 */
export class IdleHeapHold {
  readonly #setFlags: (flags: string) => void;
  readonly #allocate: (bytes: number) => void;
  #holding = false;
  #disposed = false;
  #keepYoung: NodeJS.Timeout | undefined;
  #keepYoungTicksLeft = 0;

  constructor(options: IdleHeapHoldOptions = {}) {
    this.#setFlags = options.setFlags ?? setFlagsFromString;
    this.#allocate = options.allocate ?? allocateYoungGarbage;
  }

  /** Whether incremental marking is held off now (nothing in flight). */
  get holding(): boolean {
    return this.#holding;
  }

  /** Whether its timer runs: until KEEP_YOUNG_FOR_MS after the last burst, allocating while idle. */
  get keepingYoung(): boolean {
    return this.#keepYoung !== undefined;
  }

  /** Called when the server goes from idle to serving (`true`) and back (`false`). */
  busyChanged = (busy: boolean): void => {
    if (this.#disposed || busy !== this.#holding) return;
    // ~8 us a call on Node 20, ~3 on 22: once per burst, or twice per request when they come one at a time.
    this.#setFlags(busy ? "--incremental-marking" : "--no-incremental-marking");
    this.#holding = !busy;
    if (!busy) this.#startKeepingYoung();
  };

  #startKeepingYoung(): void {
    this.#keepYoungTicksLeft = Math.ceil(KEEP_YOUNG_FOR_MS / KEEP_YOUNG_EVERY_MS);
    // Left running while serving (a tick then allocates nothing: traffic does): requests one at a
    // time go busy and idle again within a millisecond, and would otherwise set and clear it each.
    if (this.#keepYoung) return;
    this.#keepYoung = setInterval(this.#keepYoungTick, KEEP_YOUNG_EVERY_MS);
    // What keeps the process alive is its server, never this.
    this.#keepYoung.unref();
  }

  readonly #keepYoungTick = (): void => {
    if (this.#holding) this.#allocate((KEEP_YOUNG_BYTES_PER_S * KEEP_YOUNG_EVERY_MS) / 1000);
    if (--this.#keepYoungTicksLeft <= 0) this.#stopKeepingYoung();
  };

  #stopKeepingYoung(): void {
    clearInterval(this.#keepYoung);
    this.#keepYoung = undefined;
  }

  [Symbol.dispose](): void {
    if (this.#holding) this.#setFlags("--incremental-marking");
    this.#stopKeepingYoung();
    this.#holding = false;
    this.#disposed = true;
  }
}
