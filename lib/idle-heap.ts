import { setFlagsFromString } from "node:v8";

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
 * of shrinking a few seconds after each burst.
 *
 * What it does not hold: the young generation. The first scavenge after an idle of a few seconds
 * shrinks the new space all the same (seen with this hold on, so not the reducer's doing: a low
 * allocation rate since the last collection), so a burst after a pause starts with a small new
 * space and grows it back through a run of short scavenges and their page faults:
 * 1,000 streams x 50 chunks, rounds 30 s apart, cost 1,440-2,190 ms of CPU a round against
 * 1,180-1,400 ms 0.3 s apart (--trace-gc: committed heap 56 -> 29 MB at the round's first scavenge).
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
  #holding = false;
  #disposed = false;

  /** `setFlags` is V8's; tests pass a recorder. */
  constructor(setFlags: (flags: string) => void = setFlagsFromString) {
    this.#setFlags = setFlags;
  }

  /** Whether incremental marking is held off now (nothing in flight). */
  get holding(): boolean {
    return this.#holding;
  }

  /** Called when the server goes from idle to serving (`true`) and back (`false`). */
  busyChanged = (busy: boolean): void => {
    if (this.#disposed || busy !== this.#holding) return;
    // ~8 us a call on Node 20, ~3 on 22: once per burst, or twice per request when they come one at a time.
    this.#setFlags(busy ? "--incremental-marking" : "--no-incremental-marking");
    this.#holding = !busy;
  };

  [Symbol.dispose](): void {
    if (this.#holding) this.#setFlags("--incremental-marking");
    this.#holding = false;
    this.#disposed = true;
  }
}
