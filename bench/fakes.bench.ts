/**
 * npm run bench:fakes — how fast the fake provider writes, and how closely it keeps a schedule.
 * 1. 100 concurrent paced streams of 500 tokens every 10 ms (a common answer at 100 tokens/s), all
 *    clients connecting at once, in 3 rounds after a shorter warm-up round: lateness of each
 *    scheduled write vs its due time, from the journal (`t - due`), p50 / p99 (target p99 < 2 ms)
 *    over every write, and apart for the ramp-up (until the last stream's first token was due:
 *    accepting, parsing and setting up the herd shares the thread with the streams already
 *    running) and after it; and how long a request took from parsed to headers sent (the fake
 *    sets requests up one a loop turn, fakes/set-up-queue.ts: in the herd this is mostly the wait
 *    for the ones before, and the ramp-up's first tokens are late by it, since a schedule counts
 *    from the request's arrival). Each round is
 *    printed, then all pooled.
 * 2. One unpaced OpenAI stream of many tokens: events/s (target ≥ 50,000 on one core; the reader
 *    runs in the same process, so both share that core).
 * Timing figures depend on machine load: run it on a quiet machine. Two floors are printed beside
 * the rounds: how often the machine stops a busy thread while the other core is partly busy and
 * while every core is busy, the loads of the rounds (bench/machine-stalls.ts; writes due in such a
 * stop are late by it), and the lateness of the same herd served by a bare node:net server on the
 * same Pacer just before each round (bench/pacing-floor.ts; what is left when the fake's http,
 * codec and journal layers are gone).
 * Between rounds the heap is collected in full (node --expose-gc, as `npm run bench:fakes` runs it):
 * reading a round's 50k writes out of the journal copies them twice over, and without it the
 * next round's herd paid for that in collector pauses of 5–18 ms, early in its first second.
 * Prints figures only; nothing here asserts on time.
 */
import { connect } from "node:net";
import { cpus, loadavg } from "node:os";
import { PerformanceObserver } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { startFakeProvider } from "../fakes/index.ts";
import { now } from "../lib/clock.ts";
import { describeStallFloor, measureStallFloor } from "./machine-stalls.ts";
import { startPacingFloor } from "./pacing-floor.ts";
import { mainThreadCpuMs } from "./thread-cpu.ts";

const TOKENS = Number(process.env.BENCH_TOKENS ?? 200_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const PACED_EVENTS = Number(process.env.BENCH_PACED_EVENTS ?? 500);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const INTERVAL_MS = Number(process.env.BENCH_INTERVAL_MS ?? 10);

/** Reads one response over a raw socket until the terminating chunk; returns bytes read. */
function drain(url: string, path: string, body: unknown): Promise<number> {
  const { port, hostname } = new URL(url);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () =>
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`,
      ),
    );
    let bytes = 0;
    let tail = "";
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString("latin1", Math.max(0, chunk.length - 16))).slice(-16);
      if (tail.endsWith("\r\n0\r\n\r\n")) {
        socket.destroy();
        resolve(bytes);
      }
    });
    socket.on("error", reject);
    socket.on("end", () => reject(new Error("connection ended before the body did")));
  });
}

/**
 * The paced streams' readers: one worker thread, started and warm before anything is timed (a
 * thread booting beside the herd took CPU from the fake), reading each socket into one reused
 * buffer, so the bench's own client costs the shared cores as little as it can.
 */
const READER_SOURCE = `
  const { connect } = require("node:net");
  const { workerData, parentPort } = require("node:worker_threads");
  const { port, hostname } = new URL(workerData.url);
  const payload = JSON.stringify({ model: "gpt-4o", stream: true });
  const request = "POST /v1/chat/completions HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\n" +
    "Content-Length: " + Buffer.byteLength(payload) + "\\r\\n\\r\\n" + payload;
  const END = "\\r\\n0\\r\\n\\r\\n";
  const buffer = Buffer.alloc(64 * 1024);
  const one = () => new Promise((resolve, reject) => {
    let tail = "";
    const onread = { buffer, callback(n, buf) {
      tail = n >= END.length ? buf.latin1Slice(n - END.length, n) : (tail + buf.latin1Slice(0, n)).slice(-END.length);
      if (tail === END) { socket.destroy(); resolve(); }
    } };
    const socket = connect({ port: Number(port), host: hostname, onread }, () => socket.write(request));
    socket.on("error", reject);
    socket.on("end", () => reject(new Error("connection ended before the body did")));
  });
  parentPort.on("message", (count) => {
    Promise.all(Array.from({ length: count }, one)).then(
      () => parentPort.postMessage({ ok: true }),
      (error) => parentPort.postMessage({ ok: false, message: String(error) }),
    );
  });
  parentPort.postMessage({ ok: true });
`;

class Readers {
  readonly #worker: Worker;
  readonly ready: Promise<void>;

  constructor(url: string) {
    this.#worker = new Worker(READER_SOURCE, { eval: true, workerData: { url } });
    this.ready = this.#next();
  }

  /** Opens `count` streams at once; resolves when every body has ended. */
  async drain(count: number): Promise<void> {
    const done = this.#next();
    this.#worker.postMessage(count);
    await done;
  }

  #next(): Promise<void> {
    return new Promise((resolve, reject) => {
      // Each listener removes the other: one left per herd warned past 10 rounds.
      const onError = (error: Error) => {
        this.#worker.off("message", onMessage);
        reject(error);
      };
      const onMessage = (m: { ok: boolean; message?: string }) => {
        this.#worker.off("error", onError);
        if (m.ok) resolve();
        else reject(new Error(m.message));
      };
      this.#worker.once("message", onMessage);
      this.#worker.once("error", onError);
    });
  }

  close(): Promise<number> {
    return this.#worker.terminate();
  }
}

/**
 * A full collection now, so the bench's own garbage (journal copies, sorted figures) is not
 * collected during the next herd. A no-op, with a note, when run without --expose-gc.
 */
const collect = (globalThis as { gc?: () => void }).gc;
function settleHeap(): void {
  collect?.();
}
if (!collect)
  console.log("note: run with node --expose-gc (npm run bench:fakes does) to keep each round's GC to itself");

/** Collector pauses on this (the fake's) thread, as the perf_hooks observer reports them. */
const gcPauses: Array<{ start: number; ms: number }> = [];
const gcObserver = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, ms: entry.duration });
});
gcObserver.observe({ entryTypes: ["gc"] });

interface GcFigures {
  count: number;
  longestMs: number;
  over2Ms: number;
}

function gcBetween(start: number, end: number): GcFigures {
  const pauses = gcPauses.filter((p) => p.start >= start && p.start <= end);
  return {
    count: pauses.length,
    longestMs: Math.max(0, ...pauses.map((p) => p.ms)),
    over2Ms: pauses.filter((p) => p.ms > 2).length,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

await using fake = await startFakeProvider();
console.log(
  `machine: ${cpus().length} cores, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (pacing figures suffer on a loaded machine)`,
);

const body = { model: "gpt-4o", stream: true };
// Warm-up: JIT-compile the write path before anything is timed.
await fake.setScript({ content: { chunks: 2000, chunkSize: 8 } });
for (let i = 0; i < 5; i++) await drain(fake.url, "/v1/chat/completions", body);
// And the paced path once: it starts the pacer's timer thread, a one-off per fake server.
await fake.setScript({ content: { chunks: 20, chunkSize: 8 }, pacing: { firstTokenMs: 2, intervalMs: 2 } });
await drain(fake.url, "/v1/chat/completions", body);
await fake.reset();
// Both loads of the rounds: the fake's thread near-busy beside a reader (~25% of the other core),
// and every core busy (the helper threads, GC and JIT on top).
console.log(`machine floor: ${describeStallFloor(await measureStallFloor(2000, 0.25))}`);
console.log(`               ${describeStallFloor(await measureStallFloor(2000, 1))}`);

// 1. Pacing accuracy under 100 concurrent streams, in rounds (one round's p99 moves with what
// else the VM does in those seconds; the pooled figure and the spread say more).
interface PacingRound {
  /** Lateness of every scheduled write, ms, sorted. */
  every: number[];
  /** Writes due while the herd was still being accepted and set up. */
  rampUp: number[];
  rampUpMs: number;
  /** Writes due once every stream was streaming. */
  steady: number[];
  /** Request parsed -> headers sent, ms, sorted. */
  setup: number[];
  cpuPercent: number;
  /** Main-thread CPU over the herd, ms (undefined off Linux). */
  mainCpuMs: number | undefined;
  gc: GcFigures;
}

/**
 * Runs one herd through `readers`; returns the process's CPU meanwhile as a share of one core,
 * the main thread's own CPU in ms, and the collector's pauses on it during the herd.
 */
async function drainMeasured(
  readers: Readers,
): Promise<{ cpuPercent: number; mainCpuMs: number | undefined; gc: GcFigures }> {
  const cpuBefore = process.cpuUsage();
  const mainBefore = mainThreadCpuMs();
  const wallBefore = now();
  const gcFrom = performance.now();
  await readers.drain(STREAMS);
  const gcTo = performance.now();
  const cpu = process.cpuUsage(cpuBefore);
  const mainAfter = mainThreadCpuMs();
  // The observer reports on a later turn of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  return {
    cpuPercent: ((cpu.user + cpu.system) / 1000 / (now() - wallBefore)) * 100,
    mainCpuMs: mainBefore === undefined || mainAfter === undefined ? undefined : mainAfter - mainBefore,
    gc: gcBetween(gcFrom, gcTo),
  };
}

/** Main-thread CPU per write, µs, as text. */
const perWrite = (mainCpuMs: number | undefined, writes: number) =>
  mainCpuMs === undefined ? "n/a" : `${((mainCpuMs * 1000) / writes).toFixed(0)} µs`;

async function pacingRound(readers: Readers, events = PACED_EVENTS): Promise<PacingRound> {
  await fake.reset();
  await fake.setScript({
    content: { chunks: events, chunkSize: 8 },
    pacing: { firstTokenMs: INTERVAL_MS, intervalMs: INTERVAL_MS },
  });
  const { cpuPercent, mainCpuMs, gc } = await drainMeasured(readers);
  const streams = fake.journal();
  const paced = streams.flatMap((e) => e.events.filter((ev) => ev.due !== undefined));
  // The ramp-up: until the last of the herd had sent its headers and its first token was due.
  // Until then the same thread also accepts, parses and sets up the rest of the herd.
  const firstRequest = Math.min(...streams.map((e) => e.t.received));
  const rampUpEnd =
    Math.max(...streams.map((e) => e.t.headersSent ?? Number.POSITIVE_INFINITY)) + INTERVAL_MS;
  const lateOf = (events: typeof paced) => events.map((ev) => ev.t - ev.due!).sort((a, b) => a - b);
  return {
    every: lateOf(paced),
    rampUp: lateOf(paced.filter((ev) => ev.due! <= rampUpEnd)),
    rampUpMs: rampUpEnd - firstRequest,
    steady: lateOf(paced.filter((ev) => ev.due! > rampUpEnd)),
    setup: streams.map((e) => (e.t.headersSent ?? Number.NaN) - e.t.received).sort((a, b) => a - b),
    cpuPercent,
    mainCpuMs,
    gc,
  };
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const figures = (values: number[]) =>
  `p50 ${ms(percentile(values, 50))}  p99 ${ms(percentile(values, 99))}  max ${ms(values.at(-1)!)}`;
console.log(
  `pacing: ${STREAMS} concurrent streams x ${PACED_EVENTS + 3} scheduled writes every ${INTERVAL_MS} ms, all ${STREAMS} clients connecting at once, ${ROUNDS} rounds`,
);
// The readers run on a worker thread so the fake's event loop only serves (as with a real SUT).
const readers = new Readers(fake.url);
await readers.ready;
// A first herd still runs half-compiled code: V8 optimized ~110 functions of the herd and paced
// paths during it (--trace-opt), on the same two cores, against ~20 in each round after. Printed,
// not pooled: the figures below are for a warm server.
const warm = await pacingRound(readers, 100);
console.log(
  `  warm-up   every write p99 ${ms(percentile(warm.every, 99))}   (100 writes a stream, while V8 compiles; not pooled)`,
);
// The floor (bench/pacing-floor.ts) runs the same herd just before each round, so both see the
// machine in the same minute.
const floor = await startPacingFloor({ intervalMs: INTERVAL_MS, firstTokenMs: INTERVAL_MS });
const floorReaders = new Readers(floor.url);
await floorReaders.ready;
floor.events = 100;
await floorReaders.drain(STREAMS);
floor.takeLateness();
floor.events = PACED_EVENTS + 3;
const rounds: PacingRound[] = [];
const floorRounds: number[][] = [];
for (let i = 1; i <= ROUNDS; i++) {
  settleHeap();
  const floorCpu = await drainMeasured(floorReaders);
  const floorRound = floor.takeLateness();
  floorRounds.push(floorRound);
  settleHeap();
  const round = await pacingRound(readers);
  rounds.push(round);
  console.log(
    `  round ${i}   every write p99 ${ms(percentile(round.every, 99))}   ramp-up (${round.rampUpMs.toFixed(0)} ms) p99 ${ms(percentile(round.rampUp, 99))}   after it p99 ${ms(percentile(round.steady, 99))}   headers p99 ${ms(percentile(round.setup, 99))}   CPU ${round.cpuPercent.toFixed(0)}% of a core, main thread ${perWrite(round.mainCpuMs, round.every.length)} a write, GC ${round.gc.count} pauses (longest ${ms(round.gc.longestMs)}, ${round.gc.over2Ms} > 2 ms)   | floor p99 ${ms(percentile(floorRound, 99))}, CPU ${floorCpu.cpuPercent.toFixed(0)}%, main ${perWrite(floorCpu.mainCpuMs, floorRound.length)} a write`,
  );
}
gcObserver.disconnect();
await readers.close();
await floorReaders.close();
await floor.close();
const pooled = (pick: (round: PacingRound) => number[]) => rounds.flatMap(pick).sort((a, b) => a - b);
const every = pooled((r) => r.every);
console.log(
  `  lateness, every write          ${figures(every)}   (${every.length.toLocaleString("en")} writes)`,
);
console.log(`  lateness, ramp-up              ${figures(pooled((r) => r.rampUp))}`);
console.log(`  lateness, after the ramp-up    ${figures(pooled((r) => r.steady))}`);
console.log(
  `  request parsed -> headers sent  ${figures(pooled((r) => r.setup))}   (in a herd, the wait for the set-ups queued before it: one a loop turn)`,
);
console.log(
  `  floor: bare server, same pacer  ${figures(floorRounds.flat().sort((a, b) => a - b))}   (the same herds from node:net, no http, codec or journal)`,
);
console.log("  target                         p99 < 2 ms (every write)");

// 2. Throughput (after the pacing run, so its 200k-event journal cannot put GC pauses into it).
await fake.reset();
await fake.setScript({ content: { chunks: TOKENS, chunkSize: 8 } });
await drain(fake.url, "/v1/chat/completions", body); // warm-up: JIT, buffers
await fake.reset();
await fake.setScript({ content: { chunks: TOKENS, chunkSize: 8 } });
const started = now();
const bytes = await drain(fake.url, "/v1/chat/completions", body);
const elapsed = now() - started;
const [entry] = fake.journal();
const events = entry!.events.length;
const serverMs = entry!.t.responseEnded! - entry!.t.headersSent!;
console.log(
  `throughput: one unpaced openai stream, ${events.toLocaleString("en")} events, ${(bytes / 1e6).toFixed(1)} MB`,
);
console.log(
  `  client-observed   ${Math.round(events / (elapsed / 1000)).toLocaleString("en")} events/s  (${elapsed.toFixed(0)} ms, request to last byte)`,
);
console.log(
  `  fake write loop   ${Math.round(events / (serverMs / 1000)).toLocaleString("en")} events/s  (${serverMs.toFixed(0)} ms, headers to end)`,
);
console.log(`  target            >= 50,000 events/s`);
