/**
 * Runs the catalog N times on one backend and prints every scenario whose verdict was not the same
 * in every run, and the time of each run: a verdict must depend on the backend, not on the machine.
 * One run (--load-run) can have every core kept busy by spinning child processes.
 *
 *   npx tsx scripts/repeat-catalog.ts [--runs 20] [--backend node-openai] [--edges direct,nginx]
 *                                     [--lanes N|auto] [--scenario GLOB,...] [--load-run N]
 *
 * Exit 0 when every verdict was the same in every run, 1 otherwise, 2 on a setup error.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { resolveConfig } from "../harness/config.ts";
import { hardenedBackends, pythonBackendAvailable } from "../harness/demo.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { renderUserError, StreamchaosError } from "../lib/errors.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    backend: { type: "string", default: "node-openai" },
    edges: { type: "string", default: "direct" },
    lanes: { type: "string", default: "auto" },
    scenario: { type: "string" },
    "load-run": { type: "string" },
  },
});
const runs = Number(values.runs);
const loadRun = values["load-run"] === undefined ? undefined : Number(values["load-run"]);
const backend = hardenedBackends({ python: pythonBackendAvailable() }).find((b) => b.name === values.backend);
if (!backend) {
  const names = hardenedBackends({ python: true }).map((b) => b.name);
  throw new Error(`no hardened backend "${values.backend}"; one of ${names.join(", ")}`);
}
const config = resolveConfig(
  {
    backends: [backend],
    edges: values.edges.split(","),
    lanes: values.lanes === "auto" ? "auto" : Number(values.lanes),
    ...(values.scenario ? { scenarios: values.scenario.split(",") } : {}),
  },
  "repeat-catalog",
);

/** The verdict of one scenario run: its status, and which checks failed (the reason for a red one). */
function verdictOf(result: ScenarioResult): string {
  const failing = result.checks.filter((c) => c.status === "fail").map((c) => c.check);
  if (result.status === "error") return `error (${result.reason ?? "?"})`;
  return failing.length ? `${result.status} [${failing.join(", ")}]` : result.status;
}

/** Spins one busy loop per core in child processes, for as long as it is not disposed. */
function loadEveryCore(): AsyncDisposable {
  const children: ChildProcess[] = cpus().map(() =>
    spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }),
  );
  return {
    async [Symbol.asyncDispose]() {
      await Promise.all(
        children.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}

const verdicts = new Map<string, string[]>();
const details = new Map<string, Map<number, string>>();
console.log(
  `repeat-catalog: ${runs} runs, ${backend.name} on ${config.edges.map((e) => e.edge).join(",")}, ${config.lanes} lanes, Node ${process.version}${loadRun ? `, run ${loadRun} with ${cpus().length} cores kept busy` : ""}`,
);
for (let i = 1; i <= runs; i++) {
  const loaded = i === loadRun;
  const started = performance.now();
  let run: Awaited<ReturnType<typeof runSuite>>;
  {
    await using _load = loaded ? loadEveryCore() : undefined;
    try {
      run = await runSuite({ config, reporters: [] });
    } catch (error) {
      // A setup error is no verdict: say so and stop (exit 2, as `streamchaos run` would).
      if (!(error instanceof StreamchaosError)) throw error;
      console.log(`run ${String(i).padStart(2)}: setup error\n${renderUserError(error)}`);
      process.exit(2);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  for (const result of run.results) {
    const key = `${result.scenario.id} @ ${result.edge}`;
    const verdict = verdictOf(result);
    verdicts.set(key, [...(verdicts.get(key) ?? []), verdict]);
    if (result.status !== "pass") {
      const why = result.checks
        .filter((c) => c.status === "fail")
        .map((c) => `${c.check}: ${c.summary}`)
        .join("; ");
      const byRun = details.get(key) ?? new Map<number, string>();
      byRun.set(i, result.reason ?? why);
      details.set(key, byRun);
    }
  }
  const s = run.summary;
  console.log(
    `run ${String(i).padStart(2)}: ${seconds.toFixed(1).padStart(5)} s  ${s.passed} passed, ${s.failed} failed, ${s.errored} errors${loaded ? "  (every core busy)" : ""}`,
  );
}

const differing = [...verdicts].filter(([, list]) => new Set(list).size > 1 || list.length !== runs);
if (differing.length === 0) {
  console.log(`identical verdicts in all ${runs} runs (${verdicts.size} scenario runs each)`);
  process.exit(0);
}
console.log(`\n${differing.length} scenario(s) with differing verdicts:`);
for (const [key, list] of differing) {
  const counts = new Map<string, number[]>();
  for (const [i, verdict] of list.entries()) counts.set(verdict, [...(counts.get(verdict) ?? []), i + 1]);
  console.log(`  ${key}`);
  for (const [verdict, which] of counts) console.log(`    ${verdict}: runs ${which.join(",")}`);
  for (const [i, why] of details.get(key) ?? []) console.log(`    run ${i}: ${why}`);
}
process.exit(1);
