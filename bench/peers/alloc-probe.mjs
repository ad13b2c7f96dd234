// Preloaded into a server of `npm run bench:peers` for its alloc measure (node --import this file):
// counts the bytes the server's JavaScript heap allocates over one round, garbage included.
// Why this measure: a round's CPU moves by +-20 % with the machine's load on a 2-core VM, while the
// bytes allocated per stream move by ~2 %, and they are what the scavenger's share of that CPU
// follows. Plain JavaScript, so it preloads the same way into every peer, with or without a loader.
//
// SIGUSR2 starts V8's sampling heap profiler with objects the collectors freed kept in its counts;
// the next SIGUSR2 stops it and writes the bytes sampled to PEERS_ALLOC_OUT (written to a temporary
// name and renamed, so the bench never reads half a number). The sampling is statistical (one
// sample every SAMPLING_BYTES on average): over the megabytes of a round it is within ~1 %.
// It slows the server down, so the bench never times a round it samples.
//
// A SIGUSR2 with PEERS_ALLOC_OUT.live present asks instead for what the process keeps: a full
// collection, then the bytes the heap still holds plus the array buffers' (typed arrays live
// outside the heap), written to PEERS_ALLOC_OUT the same way. Taken with every stream of a round
// open and again with none, it gives what one open stream keeps alive, which is what the RSS of
// the open measure grows with (the young generation grows with what survives, the old with what
// is promoted).
import { existsSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";

const SAMPLING_BYTES = 1024;
const out = process.env.PEERS_ALLOC_OUT;
if (!out) throw new Error("alloc-probe: PEERS_ALLOC_OUT must name the file to write the count to");

const session = new Session();
session.connect();
let sampling = false;

function total(node) {
  let bytes = node.selfSize;
  for (const child of node.children) bytes += total(child);
  return bytes;
}

async function toggle() {
  if (!sampling) {
    sampling = true;
    await session.post("HeapProfiler.startSampling", {
      samplingInterval: SAMPLING_BYTES,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await writeFile(`${out}.started`, "");
    return;
  }
  sampling = false;
  const { profile } = await session.post("HeapProfiler.stopSampling");
  await writeCount(total(profile.head));
}

async function writeCount(bytes) {
  await writeFile(`${out}.part`, String(bytes));
  await rename(`${out}.part`, out);
}

async function live() {
  await rm(`${out}.live`);
  await session.post("HeapProfiler.collectGarbage");
  const { usedSize } = await session.post("Runtime.getHeapUsage");
  await writeCount(usedSize + process.memoryUsage().arrayBuffers);
}

process.on("SIGUSR2", () => {
  (existsSync(`${out}.live`) ? live() : toggle()).catch((error) => {
    process.stderr.write(`alloc-probe: ${error?.stack ?? error}\n`);
  });
});
