/**
 * npm run bench:harness [-- --lanes N]
 *
 * Wall time of the full catalog on the direct edge against the hardened Node backend, next to the
 * floor: the sum of the waits the scenarios script (pacing, stalls cut at the backend's bound). The
 * target is wall ≤ 1.5 × floor / lanes and under 60 s on a 2-core machine.
 */
import { parseArgs } from "node:util";
import { resolveConfig } from "../harness/config.ts";
import { hardenedBackends } from "../harness/demo.ts";
import { sizeForBackend } from "../harness/lane/backend-sizing.ts";
import { runSuite } from "../harness/runner.ts";
import { DEMO_UPSTREAM_TIMEOUT_MS } from "../scenarios/catalog/_build.ts";
import { loadCatalog, scriptedWaitMs } from "../scenarios/index.ts";

const { values } = parseArgs({ options: { lanes: { type: "string", default: "2" } } });
const lanes = Number(values.lanes);
const backend = hardenedBackends({ python: false }).find((b) => b.name === "node-openai")!;
const catalog = (await loadCatalog()).filter((s) => !s.edges || s.edges.includes("direct"));
// Sized for the backend as its lane sizes them (a stall of n keepalive intervals), or the floor
// would leave out waits that depend on the backend.
const floorMs = catalog.reduce(
  (sum, s) =>
    sum + scriptedWaitMs(sizeForBackend(s, backend), { upstreamTimeoutMs: DEMO_UPSTREAM_TIMEOUT_MS }),
  0,
);

const config = resolveConfig({ backends: [backend], edges: ["direct"], lanes }, "bench");
const started = performance.now();
const run = await runSuite({ config, reporters: [] });
const wallMs = performance.now() - started;
const perLane = floorMs / lanes;
const slowest = [...run.results].sort((a, b) => b.durationMs - a.durationMs).slice(0, 5);

console.log(
  `bench:harness  ${catalog.length} scenarios, node-openai (hardened), direct edge, ${lanes} lanes, Node ${process.version}`,
);
console.log(
  `  results            ${run.summary.passed} passed, ${run.summary.failed} failed, ${run.summary.errored} errors`,
);
console.log(
  `  wall time          ${(wallMs / 1000).toFixed(1)} s   (includes starting ${lanes} lane(s): fake, toxiproxy, backend, edge)`,
);
console.log(`  scripted floor     ${(floorMs / 1000).toFixed(1)} s   (sum of scripted waits)`);
console.log(`  floor / lanes      ${(perLane / 1000).toFixed(1)} s`);
console.log(`  ratio              ${(wallMs / perLane).toFixed(2)} x floor/lanes   (target ≤ 1.50)`);
console.log(`  under 60 s         ${wallMs < 60_000 ? "yes" : "NO"}`);
console.log(
  `  slowest scenarios  ${slowest.map((r) => `${r.scenario.id} ${(r.durationMs / 1000).toFixed(1)}s`).join(", ")}`,
);
