/**
 * npm run bench:fakes — how fast the fake provider writes, and how closely it keeps a schedule.
 * 1. 100 concurrent paced streams: lateness of each scheduled write vs its due time, from the
 *    journal (`t - due`): p50 / p99 (target p99 < 2 ms), over every write and over the part of
 *    the run where all 100 were streaming (the clients connect at once, and accepting, parsing and
 *    setting up the herd shares the thread with the streams already running); and how long a
 *    request took from parsed to headers sent.
 * 2. One unpaced OpenAI stream of many tokens: events/s (target ≥ 50,000 on one core; the reader
 *    runs in the same process, so both share that core).
 * Timing figures depend on machine load: run it on a quiet machine.
 * Prints figures only; nothing here asserts on time.
 */
import { connect } from "node:net";
import { cpus, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { startFakeProvider } from "../fakes/index.ts";
import { now } from "../lib/clock.ts";

const TOKENS = Number(process.env.BENCH_TOKENS ?? 200_000);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 100);
const PACED_EVENTS = Number(process.env.BENCH_PACED_EVENTS ?? 100);
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

/** Runs `count` concurrent raw-socket readers on a worker thread; resolves when all bodies ended. */
function drainInWorker(url: string, count: number): Promise<void> {
  const source = `
    const { connect } = require("node:net");
    const { workerData, parentPort } = require("node:worker_threads");
    const { port, hostname } = new URL(workerData.url);
    const payload = JSON.stringify({ model: "gpt-4o", stream: true });
    const one = () => new Promise((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write(
        "POST /v1/chat/completions HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: " +
        Buffer.byteLength(payload) + "\\r\\n\\r\\n" + payload));
      let tail = "";
      socket.on("data", (chunk) => {
        tail = (tail + chunk.toString("latin1", Math.max(0, chunk.length - 16))).slice(-16);
        if (tail.endsWith("\\r\\n0\\r\\n\\r\\n")) { socket.destroy(); resolve(); }
      });
      socket.on("error", reject);
    });
    Promise.all(Array.from({ length: workerData.count }, one)).then(() => parentPort.postMessage("done"));
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { url, count } });
    worker.once("message", () => {
      void worker.terminate();
      resolve();
    });
    worker.once("error", reject);
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

await using fake = await startFakeProvider();
console.log(
  `machine: ${cpus().length} cores, load average ${loadavg()
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

// 1. Pacing accuracy under 100 concurrent streams.
await fake.setScript({
  content: { chunks: PACED_EVENTS, chunkSize: 8 },
  pacing: { firstTokenMs: INTERVAL_MS, intervalMs: INTERVAL_MS },
});
// The readers run on a worker thread so the fake's event loop only serves (as with a real SUT).
const cpuBefore = process.cpuUsage();
const wallBefore = now();
await drainInWorker(fake.url, STREAMS);
const cpu = process.cpuUsage(cpuBefore);
const wall = now() - wallBefore;
const streams = fake.journal();
const paced = streams.flatMap((e) => e.events.filter((ev) => ev.due !== undefined));
// "All streaming": from the moment the last of the 100 sent its headers to the moment the first
// ended. Before it, the same thread also accepts, parses and sets up the rest of the herd.
const allStreamingFrom = Math.max(...streams.map((e) => e.t.headersSent ?? Number.POSITIVE_INFINITY));
const allStreamingTo = Math.min(...streams.map((e) => e.t.responseEnded ?? Number.POSITIVE_INFINITY));
const lateOf = (events: typeof paced) => events.map((ev) => ev.t - ev.due!).sort((a, b) => a - b);
const lateness = lateOf(paced);
const steady = lateOf(paced.filter((ev) => ev.t >= allStreamingFrom && ev.t <= allStreamingTo));
const setupMs = streams.map((e) => (e.t.headersSent ?? Number.NaN) - e.t.received).sort((a, b) => a - b);
const figures = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(3)} ms   p99 ${percentile(values, 99).toFixed(3)} ms   max ${values.at(-1)!.toFixed(3)} ms`;
console.log(
  `pacing: ${STREAMS} concurrent streams x ${PACED_EVENTS + 3} scheduled events every ${INTERVAL_MS} ms (${lateness.length.toLocaleString("en")} writes), all ${STREAMS} clients connecting at once`,
);
console.log(`  lateness, every write          ${figures(lateness)}   min ${lateness[0]!.toFixed(3)} ms`);
console.log(
  `  lateness, all ${STREAMS} streaming     ${figures(steady)}   (${steady.length.toLocaleString("en")} writes, ${(allStreamingTo - allStreamingFrom).toFixed(0)} ms)`,
);
console.log(`  request parsed -> headers sent  ${figures(setupMs)}`);
console.log(
  `  process CPU                    ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(0)}% of one core over ${wall.toFixed(0)} ms (fake + reader thread)`,
);
console.log("  target                         p99 < 2 ms");

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
