/**
 * npm run bench:harness [-- --suite demo|one-backend|both] [--lanes N] [--backends a,b] [--edges e,f]
 *                          [--scenario GLOB,...]
 *
 * Wall time of `npm run demo` (every hardened reference backend × direct, nginx, caddy) and of one
 * backend × three edges (`streamchaos demo --backend node-openai`), each beside its floor: what the
 * scenarios inherently wait (scriptedWaitMs), spread over the lanes. Then where the rest of the lanes'
 * time went: per scenario beyond its scripted waits, per lane start or move, idle between scenarios;
 * the harness's CPU use and the machine's load average before and after, since this machine is
 * shared. Targets (issue "Performance: ... the whole demo in 90 seconds"): demo ≤ 90 s, one backend ×
 * three edges ≤ 30 s, on the 2-core machine; they live here, never in timed tests.
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type ResolvedConfig, resolveConfig } from "../harness/config.ts";
import { demoConfig, pythonBackendAvailable } from "../harness/demo.ts";
import { DETECTION_MATRIX } from "../harness/detection-matrix.ts";
import { sizeForBackend } from "../harness/lane/backend-sizing.ts";
import { AUTO_LANES } from "../harness/lane-schedule.ts";
import type { RunResult, ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { loadCatalog, scriptedWaitMs, selectScenarios } from "../scenarios/index.ts";

const { values } = parseArgs({
  options: {
    suite: { type: "string", default: "both" },
    lanes: { type: "string" },
    backends: { type: "string" },
    edges: { type: "string" },
    scenario: { type: "string" },
  },
});

interface Suite {
  name: string;
  targetMs: number;
  config: ResolvedConfig;
}

const python = pythonBackendAvailable();
const list = (value: string | undefined) => value?.split(",").map((s) => s.trim());
function suiteConfig(backends: string[] | undefined): ResolvedConfig {
  const raw = demoConfig({
    python,
    edges: list(values.edges) ?? ["direct", "nginx", "caddy"],
    bugs: false,
    expectations: DETECTION_MATRIX,
  });
  if (backends) raw.backends = raw.backends.filter((b) => backends.includes(b.name));
  if (values.lanes) raw.lanes = values.lanes === "auto" ? "auto" : Number(values.lanes);
  if (values.scenario) raw.scenarios = list(values.scenario)!;
  return resolveConfig(raw, "bench:harness");
}

const suites: Suite[] = [];
if (values.suite === "demo" || values.suite === "both")
  suites.push({ name: "demo", targetMs: 90_000, config: suiteConfig(list(values.backends)) });
if (values.suite === "one-backend" || values.suite === "both")
  suites.push({
    name: "one backend × three edges",
    targetMs: 30_000,
    config: suiteConfig(list(values.backends)?.slice(0, 1) ?? ["node-openai"]),
  });

const catalog = await loadCatalog();
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");

/** CPU seconds of this process and of its children that ended (the backends it started and stopped). */
function cpuMs(): number {
  // /proc/self/stat: utime stime cutime cstime are fields 14-17, in clock ticks (100 per second on Linux).
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]!.split(" ");
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) * 10;
}

for (const suite of suites) {
  const { config } = suite;
  const selected = selectScenarios(catalog, config.scenarios);
  const loadBefore = load();
  const cpuBefore = cpuMs();
  const started = performance.now();
  const run = await runSuite({ config, reporters: [] });
  const wallMs = performance.now() - started;
  const cpu = cpuMs() - cpuBefore;
  const lanes = Number(run.environment.lanes);

  const floorOf = (r: ScenarioResult) => {
    const backend = config.backends.find((b) => b.name === r.backend)!;
    const scenario = selected.find((sc) => sc.id === r.scenario.id)!;
    // Sized for the backend as its lane sizes it (a stall of n keepalive intervals).
    return scriptedWaitMs(sizeForBackend(scenario, backend), {
      upstreamTimeoutMs: backend.upstreamTimeoutMs ?? 30_000,
    });
  };
  const groupOf = (r: ScenarioResult) => `${r.backend} ${r.edge}${r.profile ? `:${r.profile}` : ""}`;
  const ran = run.results.filter((r) => r.status !== "skipped" && r.status !== "not-applicable");
  const floorMs = ran.reduce((sum, r) => sum + floorOf(r), 0);
  const groupFloors = new Map<string, number>();
  for (const r of ran) groupFloors.set(groupOf(r), (groupFloors.get(groupOf(r)) ?? 0) + floorOf(r));
  const [longestGroup, longestGroupMs] = [...groupFloors].sort((a, b) => b[1] - a[1])[0] ?? ["-", 0];
  const longest = [...ran].sort((a, b) => floorOf(b) - floorOf(a))[0];
  const { starts, gaps } = laneTimes(run);
  const overheads = ran.map((r) => r.durationMs - floorOf(r)).sort((a, b) => a - b);
  const busyMs = ran.reduce((sum, r) => sum + r.durationMs, 0);
  const sm = run.summary;
  const expected = run.results.filter((r) => r.expected === "fail" && r.status === "fail").length;

  console.log(
    `\nbench:harness  ${suite.name}: ${config.backends.map((b) => b.name).join(", ")} × ${config.edges.map((e) => e.edge).join(", ")}; ${ran.length} scenario runs, ${lanes} lanes, ${cpus().length} cores, Node ${process.version}`,
  );
  console.log(`  load average       ${loadBefore} before; ${load()} after`);
  console.log(
    `  results            ${sm.passed} passed, ${sm.failed} failed (${expected} expected), ${sm.errored} errors, ${sm.inconclusive} inconclusive, ${sm.notApplicable} not applicable, ${sm.skipped} skipped`,
  );
  console.log(
    `  wall time          ${s(wallMs)}   target ≤ ${s(suite.targetMs)}: ${wallMs <= suite.targetMs ? "PASS" : "MISS"}`,
  );
  console.log(
    `  floor              ${s(floorMs)} of scripted waits; / ${lanes} lanes = ${s(floorMs / lanes)}; longest group ${longestGroup} ${s(longestGroupMs)}; longest scenario ${longest?.scenario.id ?? "-"} ${s(longest ? floorOf(longest) : 0)}`,
  );
  console.log(`  wall / (floor/lanes) ${(wallMs / (floorMs / lanes)).toFixed(2)}`);
  const atOnce = concurrency(ran, run.durationMs);
  console.log(
    `  scenarios at once  max ${atOnce.max}, mean ${atOnce.mean.toFixed(1)} (auto lanes run as many as the event loop keeps on time)`,
  );
  console.log(
    `  lane time          ${s(lanes * wallMs)} = scenarios ${s(busyMs)} (scripted ${s(floorMs)}) + lane starts and moves ${s(starts.reduce((a, b) => a + b, 0))} + between scenarios ${s(gaps.reduce((a, b) => a + b, 0))} + the rest (lanes idle at the end)`,
  );
  console.log(
    `  per scenario       ${overheads.length ? `${mean(overheads).toFixed(0)} ms beyond its scripted waits (median ${pct(overheads, 0.5)}, p90 ${pct(overheads, 0.9)})` : "-"}`,
  );
  console.log(
    `  per lane start     ${starts.length} starts or moves, mean ${starts.length ? s(mean(starts)) : "-"} (max ${starts.length ? s(Math.max(...starts)) : "-"}); between scenarios of a lane: mean ${gaps.length ? mean(gaps).toFixed(0) : "-"} ms`,
  );
  console.log(
    `  harness CPU        ${s(cpu)} (this process and the backends it stopped) = ${((100 * cpu) / wallMs).toFixed(0)}% of one core, ${((100 * cpu) / wallMs / cpus().length).toFixed(0)}% of the machine`,
  );
  // What AUTO_LANES.cpuMsPerScenario stands for (lane starts included, as they come with a run).
  console.log(
    `  CPU per scenario   ${ran.length ? (cpu / ran.length).toFixed(0) : "-"} ms (AUTO_LANES assumes ${AUTO_LANES.cpuMsPerScenario} ms; lanes ${config.lanes === "auto" ? "auto" : "given"})`,
  );
}

/**
 * From the results alone: per lane, the time before its first scenario and before every scenario of a
 * new group (a lane start, or a move to another edge), and the gaps between scenarios of one group.
 */
function laneTimes(run: RunResult): { starts: number[]; gaps: number[] } {
  const byLane = new Map<number, ScenarioResult[]>();
  for (const r of run.results)
    if (r.lane > 0 && r.status !== "not-applicable") byLane.set(r.lane, [...(byLane.get(r.lane) ?? []), r]);
  const starts: number[] = [];
  const gaps: number[] = [];
  for (const results of byLane.values()) {
    results.sort((a, b) => a.startedAt - b.startedAt);
    let previous: ScenarioResult | undefined;
    for (const r of results) {
      const since = previous ? previous.startedAt + previous.durationMs : run.startedAt;
      const moved =
        !previous ||
        `${previous.backend}${previous.edge}${previous.profile}` !== `${r.backend}${r.edge}${r.profile}`;
      (moved ? starts : gaps).push(r.startedAt - since);
      previous = r;
    }
  }
  return { starts, gaps };
}

/** How many scenarios ran at the same moment: at most, and on average over the run. */
function concurrency(results: ScenarioResult[], durationMs: number): { max: number; mean: number } {
  const edges = results.flatMap((r) => [
    { t: r.startedAt, d: 1 },
    { t: r.startedAt + r.durationMs, d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let running = 0;
  let max = 0;
  let area = 0;
  for (const [i, edge] of edges.entries()) {
    if (i > 0) area += running * (edge.t - edges[i - 1]!.t);
    running += edge.d;
    max = Math.max(max, running);
  }
  return { max, mean: durationMs > 0 ? area / durationMs : 0 };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function pct(sorted: number[], p: number): string {
  return `${sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(0)} ms`;
}
