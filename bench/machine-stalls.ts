import { cpus } from "node:os";
import { Worker } from "node:worker_threads";

export interface StallFloor {
  threads: number;
  ms: number;
  /** Per thread: how often it stood still for more than 1 ms / 2 ms, and the longest stop. */
  perThread: { over1: number; over2: number; maxMs: number }[];
}

/**
 * Each thread reads the clock in a loop that allocates nothing, so a gap between two reads is time
 * the thread was not running: the OS or, on a VM, the host took the core. On the 2-vCPU Firecracker
 * VMs this project is built on, that never happens with one core busy and happens 1-2 times a second
 * per core (2.5-5 ms) with both busy, the state the pacing rounds put the machine in. A paced write
 * due in such a gap is late by it, whatever the fake does.
 */
const SPINNER = `
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");
const end = performance.now() + workerData.ms;
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
`;

/** Keeps every core busy for `ms` and reports how often the machine stopped each busy thread. */
export async function measureStallFloor(ms = 2000): Promise<StallFloor> {
  const threads = cpus().length;
  const perThread = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<StallFloor["perThread"][number]>((resolve, reject) => {
          const worker = new Worker(SPINNER, { eval: true, workerData: { ms } });
          worker.once("message", (result: StallFloor["perThread"][number]) => {
            resolve(result);
            void worker.terminate();
          });
          worker.once("error", reject);
        }),
    ),
  );
  return { threads, ms, perThread };
}

export function describeStallFloor(floor: StallFloor): string {
  const seconds = floor.ms / 1000;
  const over1 = floor.perThread.reduce((sum, t) => sum + t.over1, 0) / floor.threads / seconds;
  const over2 = floor.perThread.reduce((sum, t) => sum + t.over2, 0) / floor.threads / seconds;
  const max = Math.max(...floor.perThread.map((t) => t.maxMs));
  return `with all ${floor.threads} cores busy, a running thread stood still > 1 ms ${over1.toFixed(1)} times/s, > 2 ms ${over2.toFixed(1)} times/s (longest ${max.toFixed(1)} ms)`;
}
