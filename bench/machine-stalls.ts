import { cpus } from "node:os";
import { Worker } from "node:worker_threads";

export interface StallFloor {
  threads: number;
  ms: number;
  /** Share of its time each thread but the first spent busy (1: all the time). */
  othersBusy: number;
  /** Per thread kept busy: how often it stood still for more than 1 ms / 2 ms, and the longest stop. */
  perThread: { over1: number; over2: number; maxMs: number }[];
}

/**
 * A busy thread reads the clock in a loop that allocates nothing, so a gap between two reads is
 * time the thread was not running: the OS or, on a VM, the host took the core. A partly busy
 * thread spins for 1 ms, then sleeps long enough to be busy its share of the time, as a reader of
 * paced streams does. On the 2-vCPU Firecracker VMs this project is built on, a busy thread is
 * never stopped for 2 ms while the other vCPU sleeps; as soon as it does any work at all (10% was
 * enough) the busy one stops for 2-12 ms about once a second, and 1-2 times a second with both
 * busy. A paced write due in such a stop is late by it, whatever the fake does.
 */
const SPINNER = `
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const { ms, busy } = workerData;
const end = performance.now() + ms;
if (busy < 1) {
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (performance.now() < end) {
    const started = performance.now();
    while (performance.now() - started < 1) {}
    Atomics.wait(sleeper, 0, 0, 1 / busy - 1);
  }
  parentPort.postMessage(undefined);
} else {
  let last = performance.now(), over1 = 0, over2 = 0, maxMs = 0;
  for (;;) {
    const t = performance.now();
    const gap = t - last;
    last = t;
    if (gap > 1) {
      over1++;
      if (gap > 2) over2++;
      if (gap > maxMs) maxMs = gap;
    }
    if (t >= end) break;
  }
  parentPort.postMessage({ over1, over2, maxMs });
}
`;

function runSpinner(ms: number, busy: number): Promise<StallFloor["perThread"][number] | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(SPINNER, { eval: true, workerData: { ms, busy } });
    worker.once("message", (result: StallFloor["perThread"][number] | undefined) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

/**
 * Keeps one thread per core running for `ms`: the first busy, the others busy `othersBusy` of the
 * time (1: all busy); reports how often the machine stopped each busy thread.
 */
export async function measureStallFloor(ms = 2000, othersBusy = 1): Promise<StallFloor> {
  const threads = cpus().length;
  const results = await Promise.all(
    Array.from({ length: threads }, (_, i) => runSpinner(ms, i === 0 ? 1 : othersBusy)),
  );
  const perThread = results.filter((r) => r !== undefined);
  return { threads, ms, othersBusy, perThread };
}

export function describeStallFloor(floor: StallFloor): string {
  const seconds = floor.ms / 1000;
  const busy = floor.perThread.length;
  const over1 = floor.perThread.reduce((sum, t) => sum + t.over1, 0) / busy / seconds;
  const over2 = floor.perThread.reduce((sum, t) => sum + t.over2, 0) / busy / seconds;
  const max = Math.max(...floor.perThread.map((t) => t.maxMs));
  const load =
    floor.othersBusy >= 1
      ? `all ${floor.threads} cores busy`
      : `one core busy and ${floor.threads - 1 === 1 ? "the other" : "the others"} ${Math.round(floor.othersBusy * 100)}% busy`;
  return `with ${load}, a busy thread stood still > 1 ms ${over1.toFixed(1)} times/s, > 2 ms ${over2.toFixed(1)} times/s (longest ${max.toFixed(1)} ms)`;
}
