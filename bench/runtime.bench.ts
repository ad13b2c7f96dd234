/**
 * npm run bench:runtime [-- --runs N --edge nginx --runtime docker]
 *
 * Time to bring one lane's boxes up and down, phase by phase, in the order a lane starts them:
 * fake, toxiproxy (3 hop slots), backend, edge. On docker the lane's network is created with the
 * first box and counted in "fake". Target: up < 5 s with images present (build them first with
 * `npx tsx docker/build-images.ts`). The first run includes one-off costs (engine client, image
 * lookups) and is printed but left out of the medians.
 *
 * A runtime is a target in `targets` below (local processes, docker containers): add one by giving it
 * a name and a function that opens a Runtime and says which backend spec it runs.
 * Prints figures only; nothing here asserts on time.
 */
import { parseArgs } from "node:util";
import type { BackendSpec, Runtime } from "../harness/boxes/runtime.ts";
import { now } from "../lib/clock.ts";

interface BenchTarget {
  name: string;
  /** Opens the runtime once for all runs, and gives a Runtime (one lane's worth) per run. */
  open(): Promise<{
    lane(run: number): Runtime;
    backend: BackendSpec;
    [Symbol.asyncDispose](): Promise<void>;
  }>;
}

const targets: Record<string, BenchTarget> = {
  local: {
    name: "local",
    async open() {
      const { LocalRuntime } = await import("../harness/boxes/local-runtime.ts");
      const runtime = new LocalRuntime();
      const root = new URL("..", import.meta.url).pathname;
      return {
        lane: () => runtime,
        // The same reference Node backend as a local process (tsx's loader, no build step).
        backend: {
          name: "node-backend",
          command: {
            command: process.execPath,
            args: ["--import", "tsx", "examples/node-backend/server.ts"],
            cwd: root,
          },
          env: { PORT: "{{port}}", PROVIDER_BASE_URL: "http://127.0.0.1:9/v1" },
          healthPath: "/health",
          readyTimeoutMs: 30_000,
        },
        [Symbol.asyncDispose]: async () => {},
      };
    },
  },
  docker: {
    name: "docker",
    async open() {
      const { createDockerRuntime } = await import("../harness/boxes/docker/index.ts");
      const runtime = await createDockerRuntime({ onWarning: (m) => process.stderr.write(`  (${m})\n`) });
      return {
        lane: (run) => runtime.forLane(run),
        // The reference Node backend from its image; its provider URL is only read when a chat request comes.
        backend: {
          name: "node-backend",
          image: "node-backend",
          env: { PROVIDER_BASE_URL: "http://toxiproxy:10002/v1" },
          healthPath: "/health",
          readyTimeoutMs: 30_000,
        },
        [Symbol.asyncDispose]: () => runtime[Symbol.asyncDispose](),
      };
    },
  },
};

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "4" },
    edge: { type: "string", default: "nginx" },
    runtime: { type: "string", default: Object.keys(targets).join(",") },
  },
});
const runs = Math.max(2, Number(values.runs));
const phases = ["fake", "toxiproxy", "backend", "edge", "up", "down"] as const;
type Phase = (typeof phases)[number];

async function timed<T>(figures: Record<Phase, number>, phase: Phase, work: () => Promise<T>): Promise<T> {
  const t0 = now();
  const result = await work();
  figures[phase] = now() - t0;
  return result;
}

async function oneRun(lane: Runtime, backend: BackendSpec, edge: string): Promise<Record<Phase, number>> {
  const figures = {} as Record<Phase, number>;
  const t0 = now();
  const fake = await timed(figures, "fake", () => lane.startFake());
  const toxiproxy = await timed(figures, "toxiproxy", () => lane.startToxiproxy(3));
  const backendBox = await timed(figures, "backend", () => lane.startBackend(backend));
  const edgeBox = await timed(figures, "edge", () =>
    lane.startEdge({ edge, upstream: backendBox.address.internal }),
  );
  figures.up = now() - t0;
  // Every box at once (nothing depends on another being up while it stops), then the runtime (network).
  await timed(figures, "down", async () => {
    await Promise.all([edgeBox, backendBox, toxiproxy, fake].map((box) => box[Symbol.asyncDispose]()));
    await lane[Symbol.asyncDispose]();
  });
  return figures;
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`.padStart(8);

for (const name of values.runtime.split(",")) {
  const target = targets[name];
  if (!target) {
    console.error(`unknown runtime "${name}"; known: ${Object.keys(targets).join(", ")}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n${name} runtime, edge ${values.edge}, ${runs} runs (first is warm-up)`);
  console.log(`  ${"run".padEnd(8)}${phases.map((p) => p.padStart(10)).join("")}`);
  await using opened = await target.open();
  const all: Array<Record<Phase, number>> = [];
  for (let run = 1; run <= runs; run++) {
    const figures = await oneRun(opened.lane(run), opened.backend, values.edge);
    all.push(figures);
    console.log(`  ${`#${run}`.padEnd(8)}${phases.map((p) => fmt(figures[p]).padStart(10)).join("")}`);
  }
  const steady = all.slice(1);
  console.log(
    `  ${"median".padEnd(8)}${phases.map((p) => fmt(median(steady.map((f) => f[p]))).padStart(10)).join("")}`,
  );
  const up = median(steady.map((f) => f.up));
  console.log(`  up ${fmt(up).trim()} (target < 5 s: ${up < 5_000 ? "met" : "NOT met"})`);
}
