/**
 * npm run bench:toxiproxy — what the embedded Toxiproxy costs on the wire, next to a direct
 * connection, in one run:
 *   - throughput of one TCP stream (client -> proxy -> sink), MB/s, best of BENCH_RUNS (5), the
 *     runs interleaved over the rows; also as a share of direct, the figure that compares across
 *     machines and moments (this VM's own loopback moved 0.5-1.7 GB/s between runs);
 *   - added round trip of a 1-byte ping-pong, p50/p99 ms;
 *   - the same with taps on (`--taps`): each connection's bytes recorded, what taps cost;
 *   - for a server in its own process, the CPU it spent per MB streamed (median, from /proc): the
 *     figure that holds on a loaded machine, where MB/s swing with everyone else's work.
 * The server runs in its own process (as the real toxiproxy-server does in the reference figures:
 * ~850 MB/s where direct is ~1,950 MB/s, p50 0.13-0.15 ms, on this class of machine), with and
 * without its hot loop, and inside this process (as the harness embeds it); a bare Node
 * socket.pipe proxy shows the floor any Node proxy sets here. Client, sink and echo live in this
 * process in every case. BENCH_DEBUG=1 prints every run. Figures only: nothing here asserts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { startToxiproxyServer } from "../proxies/toxiproxy/index.ts";

const STREAM_BYTES = Number(process.env.BENCH_MB ?? 512) * 1024 * 1024;
const PINGS = Number(process.env.BENCH_PINGS ?? 5000);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as { port: number }).port;
}

async function dial(port: number): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port, noDelay: true });
  await once(socket, "connect");
  return socket;
}

/** Sink: counts bytes and answers one byte once it got them all. */
function sinkServer(): Server {
  return createServer((socket) => {
    let total = 0;
    let expected = -1;
    socket.on("data", (data: Buffer) => {
      if (expected < 0) {
        expected = data.readUInt32BE(0) * 1024;
      }
      total += data.length;
      if (total >= expected + 4) socket.write("k");
    });
    socket.on("error", () => {});
  });
}

function echoServer(): Server {
  return createServer({ noDelay: true }, (socket) => {
    socket.on("data", (data: Buffer) => socket.write(data));
    socket.on("error", () => {});
  });
}

async function throughput(port: number): Promise<number> {
  const socket = await dial(port);
  const block = Buffer.alloc(256 * 1024, 0x61);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(STREAM_BYTES / 1024);
  const done = once(socket, "data");
  const start = performance.now();
  socket.write(header);
  for (let sent = 0; sent < STREAM_BYTES; sent += block.length) {
    if (!socket.write(block)) await once(socket, "drain");
  }
  await done;
  const seconds = (performance.now() - start) / 1000;
  socket.destroy();
  return STREAM_BYTES / 1e6 / seconds;
}

async function pingPong(port: number): Promise<{ p50: number; p99: number }> {
  const socket = await dial(port);
  const times: number[] = [];
  const one = Buffer.from("x");
  for (let i = 0; i < PINGS + 500; i++) {
    const start = performance.now();
    const reply = once(socket, "data");
    socket.write(one);
    await reply;
    if (i >= 500) times.push(performance.now() - start);
  }
  socket.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { p50: at(0.5), p99: at(0.99) };
}

async function createProxy(api: string, name: string, upstreamPort: number, toxic?: object): Promise<number> {
  const response = await fetch(`${api}/proxies`, {
    method: "POST",
    body: JSON.stringify({ name, listen: "127.0.0.1:0", upstream: `127.0.0.1:${upstreamPort}` }),
  });
  const { listen } = (await response.json()) as { listen: string };
  if (toxic) await fetch(`${api}/proxies/${name}/toxics`, { method: "POST", body: JSON.stringify(toxic) });
  return Number(listen.slice(listen.lastIndexOf(":") + 1));
}

async function startChildServer(extraArgs: string[] = []): Promise<{ url: string; child: ChildProcess }> {
  const cli = fileURLToPath(new URL("../bin/streamchaos.mjs", import.meta.url));
  const child = spawn(process.execPath, [cli, "toxiproxy", "--port", "0", ...extraArgs], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  for await (const chunk of child.stdout!) {
    out += String(chunk);
    const match = /listening on (http:\/\/\S+)/.exec(out);
    if (match) return { url: match[1]!, child };
  }
  throw new Error(`the toxiproxy command exited without listening: ${out}`);
}

const best = (values: number[]) => Math.max(...values);
const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

const sink = sinkServer();
const echo = echoServer();
const sinkPort = await listen(sink);
const echoPort = await listen(echo);

/**
 * The floor any Node proxy sets on this machine right now: socket.pipe both ways in its own process.
 * Measured side by side because the wake-up latency of an idle machine swings run to run.
 */
async function startBareNodeProxy(upstreamPort: number): Promise<{ port: number; child: ChildProcess }> {
  const source = `const net = require("node:net");
    const server = net.createServer({ noDelay: true }, (client) => {
      const upstream = net.connect({ host: "127.0.0.1", port: ${upstreamPort}, noDelay: true });
      client.pipe(upstream); upstream.pipe(client);
      client.on("error", () => {}); upstream.on("error", () => {});
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ["-e", source], { stdio: ["ignore", "pipe", "ignore"] });
  const [line] = await once(child.stdout!, "data");
  return { port: Number(String(line).trim()), child };
}

/** CPU time (user + system) of a process so far, in µs; undefined where /proc is not there. */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

interface Row {
  label: string;
  streamPort: number;
  pingPort: number;
  /** The server's own process, where it has one: its CPU per MB is measured. */
  pid?: number;
  cpuPerMb: number[];
  rates: number[];
  p50: number;
  p99: number;
  p50After: number;
}

const children: ChildProcess[] = [];
const rows: Row[] = [];
const addRow = (label: string, streamPort: number, pingPort: number, pid?: number) =>
  rows.push({
    label,
    streamPort,
    pingPort,
    ...(pid === undefined ? {} : { pid }),
    cpuPerMb: [],
    rates: [],
    p50: 0,
    p99: 0,
    p50After: 0,
  });

async function addApiRows(label: string, api: string, withNoop: boolean, pid?: number): Promise<void> {
  const tag = label.replace(/\W+/g, "_");
  addRow(
    label,
    await createProxy(api, `bench_stream_${tag}`, sinkPort),
    await createProxy(api, `bench_ping_${tag}`, echoPort),
    pid,
  );
  if (withNoop) {
    const noop = { type: "noop" };
    addRow(
      `${label}, noop toxic`,
      await createProxy(api, `bench_stream_noop_${tag}`, sinkPort, noop),
      await createProxy(api, `bench_ping_noop_${tag}`, echoPort, noop),
      pid,
    );
  }
}

await using inProcess = await startToxiproxyServer({ port: 0 });
try {
  addRow("direct (no proxy)", sinkPort, echoPort);
  const bareSink = await startBareNodeProxy(sinkPort);
  const bareEcho = await startBareNodeProxy(echoPort);
  children.push(bareSink.child, bareEcho.child);
  addRow("bare Node socket.pipe, own process", bareSink.port, bareEcho.port, bareSink.child.pid);
  for (const [label, args, withNoop] of [
    ["embedded, own process", [], true],
    ["embedded, own process, hot loop off", ["--hot-loop-ms", "0"], false],
    // Taps keep what a connection moved up to their budget (4 MiB), then only count and time it.
    ["embedded, own process, taps on", ["--taps"], true],
  ] as const) {
    const { url, child } = await startChildServer([...args]);
    children.push(child);
    await addApiRows(label, url, withNoop, child.pid);
  }
  await addApiRows("embedded, in this process (1 thread)", inProcess.url, false);

  // Latency on fresh proxies first, then the bulk streams round-robin over the rows, so a machine
  // that speeds up or slows down during the run (direct moved 1.0-1.7 GB/s between runs) shifts
  // every row alike; then latency again, to show it holds after moving gigabytes.
  for (const row of rows) Object.assign(row, await pingPong(row.pingPort));
  for (let run = 0; run < RUNS; run++) {
    for (const row of rows) {
      const before = cpuMicros(row.pid);
      row.rates.push(await throughput(row.streamPort));
      const after = cpuMicros(row.pid);
      if (before !== undefined && after !== undefined)
        row.cpuPerMb.push((after - before) / (STREAM_BYTES / 1024 / 1024));
    }
  }
  for (const row of rows) row.p50After = (await pingPong(row.pingPort)).p50;
  if (process.env.BENCH_DEBUG) {
    for (const row of rows) console.log(`${row.label}: ${row.rates.map((r) => r.toFixed(0)).join(" ")} MB/s`);
  }
} finally {
  for (const child of children) child.kill("SIGTERM");
  sink.close();
  echo.close();
}

const direct = rows[0]!;
const rateOf = (row: Row) => best(row.rates);
console.log(
  `\nToxiproxy bench: ${STREAM_BYTES / 1024 / 1024} MB stream (best of ${RUNS}), ${PINGS} 1-byte ping-pongs`,
);
const LABEL_WIDTH = 44;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(
  `${"".padEnd(LABEL_WIDTH)}${"MB/s".padStart(8)}${"% direct".padStart(10)}${"p50 ms".padStart(11)}${"p99 ms".padStart(11)}${"+p50 ms".padStart(11)}${"p50 after bulk".padStart(16)}${"CPU µs/MB".padStart(11)}`,
);
for (const row of rows) {
  const added = row === direct ? "" : fmt(row.p50 - direct.p50, 3);
  const share = `${((100 * rateOf(row)) / rateOf(direct)).toFixed(0)}%`;
  const cpu = median(row.cpuPerMb);
  console.log(
    `${row.label.padEnd(LABEL_WIDTH)}${fmt(rateOf(row))}${share.padStart(10)}${fmt(row.p50, 3).padStart(11)}${fmt(row.p99, 3).padStart(11)}${added.padStart(11)}${fmt(row.p50After, 3).padStart(16)}${(cpu === undefined ? "" : fmt(cpu)).padStart(11)}`,
  );
}
// The loopback itself swings with the machine's load, so the reference is also given relative to
// its own direct run: throughput as a share of direct, latency as what the proxy adds to it.
console.log(
  `${"reference: real Toxiproxy 2.12".padEnd(LABEL_WIDTH)}${fmt(850)}${"44%".padStart(10)}${"0.13-0.15".padStart(11)}${"".padStart(11)}${"0.11-0.13".padStart(11)}`,
);
console.log(
  `${"reference: its direct".padEnd(LABEL_WIDTH)}${fmt(1950)}${"100%".padStart(10)}${fmt(0.02, 3).padStart(11)}\n`,
);
