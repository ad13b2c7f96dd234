import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { groupMembersSince, listeningHolder, readStat } from "../lib/proc.ts";
import { reapRecord } from "../lib/runs/reap.ts";
import { type RunRecordFile, readRecord, runsDir } from "../lib/runs/record.ts";
import { makeTempDir, type TempDir } from "../lib/tempdir.ts";
import { until } from "../lib/testing.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";

/**
 * "Nothing left behind, even on SIGKILL": `streamchaos run` (a real CLI process, a small backend,
 * the nginx edge) is killed with SIGKILL at three moments: while the backend starts, in the middle
 * of a scenario, and while it tears down. Each time, what the run had recorded (its process groups,
 * their ports, its temp dirs) must be gone within a bound: by its watchdog, or, when the watchdog
 * was killed with it, by the next run, which says what it reaped.
 */

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BACKEND = join(ROOT, "tests/testing/moment-backend.mjs");
/** Generous: the CLI compiles through tsx and nginx starts on a machine shared with other runs. */
const MOMENT_MS = 90_000;
/** The watchdog's TERM-to-KILL grace (2 s) and tsx's start-up, on a busy machine. */
const GONE_MS = 20_000;

let dir: TempDir;
const runs: Run[] = [];
const killed: Snapshot[] = [];

beforeAll(async () => {
  dir = await makeTempDir("killed-run-test");
});
afterAll(async () => {
  // Whatever a failed assertion left: the CLIs, then what they recorded.
  for (const run of runs) run.child.kill("SIGKILL");
  for (const snapshot of killed) await reapRecord(snapshot.record, { graceMs: 500 });
  await dir?.[Symbol.asyncDispose]();
});

interface Run {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<unknown>;
}

async function startRun(mode: string): Promise<Run> {
  const markers = join(dir.path, mode);
  await mkdir(markers, { recursive: true });
  const config = join(dir.path, `${mode}.json`);
  const backend = {
    name: "sut",
    // A string: /bin/sh leads the group, node is its child; both must go.
    command: `cd ${JSON.stringify(dirname(BACKEND))} && node moment-backend.mjs`,
    env: { PORT: "{{port}}", MODE: mode, MARKERS: markers, PROVIDER_URL: "{{provider.url}}" },
    provider: "openai",
    contract: "openai-relay",
    readyTimeoutMs: 60_000,
  };
  await writeFile(config, JSON.stringify({ backends: [backend], lanes: 1 }));
  const child = spawn(
    process.execPath,
    [
      join(ROOT, "bin/streamchaos.mjs"),
      "run",
      "--config",
      config,
      "--edge",
      "nginx",
      "--scenario",
      "happy-path",
      "--reporter",
      "json",
      "--out",
      join(dir.path, `out-${mode}`),
    ],
    { cwd: dir.path, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const run = { child, stderr: () => stderr, exited: once(child, "exit") };
  runs.push(run);
  return run;
}

async function marked(mode: string, marker: string, run: Run): Promise<void> {
  await until(
    () => {
      if (run.child.exitCode !== null) throw new Error(`the run exited early:\n${run.stderr()}`);
      return existsSync(join(dir.path, mode, marker));
    },
    MOMENT_MS,
    `the "${marker}" moment`,
  );
}

/** What a run had recorded, with the processes then alive in its groups. */
interface Snapshot {
  record: RunRecordFile;
  processes: Array<{ pid: number; start: number }>;
  ports: number[];
}

function snapshot(run: Run): Snapshot {
  const name = readdirSync(runsDir()).find((f) => f.startsWith(`${run.child.pid}-`) && f.endsWith(".json"));
  const record = name && readRecord(join(runsDir(), name));
  if (!record) throw new Error(`no run record for pid ${run.child.pid}`);
  const processes = record.groups.flatMap((g) =>
    groupMembersSince(g.pgid, g.start!).map((m) => ({ pid: m.pid, start: m.start })),
  );
  const taken = { record, processes, ports: record.groups.flatMap((g) => g.ports) };
  killed.push(taken);
  return taken;
}

/** None of the snapshot's processes, ports, temp dirs or record is left. */
function leftovers(taken: Snapshot): string[] {
  const pids = new Set(taken.processes.map((p) => p.pid));
  const left: string[] = [];
  for (const p of taken.processes) {
    const stat = readStat(p.pid);
    if (stat && stat.start === p.start && stat.state !== "Z") left.push(`process ${p.pid}`);
  }
  for (const port of taken.ports) {
    const holder = listeningHolder(port);
    if (holder && pids.has(holder.pid)) left.push(`port ${port}`);
  }
  for (const path of taken.record.dirs) if (existsSync(path)) left.push(`dir ${path}`);
  const file = readdirSync(runsDir()).find((f) =>
    f.startsWith(`${taken.record.owner.pid}-${taken.record.owner.start}-`),
  );
  if (file) left.push(`record ${file}`);
  return left;
}

async function nothingLeft(taken: Snapshot, what: string): Promise<void> {
  await until(() => leftovers(taken).length === 0, GONE_MS, `${what}: ${leftovers(taken).join(", ")} gone`);
}

function killWatchdog(taken: Snapshot): void {
  const watchdog = taken.record.watchdog!;
  expect(readStat(watchdog.pid)?.start).toBe(watchdog.start);
  process.kill(watchdog.pid, "SIGKILL");
}

test.skipIf(!(await nginxEdge.available()).ok)(
  "a run killed with SIGKILL at start-up, mid-scenario and in teardown leaves nothing once the next run finished",
  async () => {
    // 1. While the backend starts: the watchdog stops the backend's group and removes the record.
    const starting = await startRun("slow-start");
    await marked("slow-start", "starting", starting);
    const atStart = snapshot(starting);
    expect(atStart.record.groups.map((g) => g.name)).toEqual(['backend "sut"']);
    expect(atStart.processes.length).toBeGreaterThan(0);
    starting.child.kill("SIGKILL");
    await starting.exited;
    await nothingLeft(atStart, "after SIGKILL at start-up");

    // 2. Mid-scenario, its watchdog killed too (a cgroup or OOM kill of the whole job): nginx and the
    // backend stay up with their ports and nginx's temp dir, until the next run sweeps them.
    const holding = await startRun("hold");
    await marked("hold", "request", holding);
    const midScenario = snapshot(holding);
    expect(midScenario.record.groups.map((g) => g.name).sort()).toEqual(['backend "sut"', "nginx (default)"]);
    expect(midScenario.record.dirs.some((d) => /streamchaos-nginx-/.test(d))).toBe(true);
    killWatchdog(midScenario);
    holding.child.kill("SIGKILL");
    await holding.exited;
    expect(leftovers(midScenario)).toContain(`dir ${midScenario.record.dirs[0]}`);

    // 3. In teardown (the backend ignores SIGTERM and the run waits to SIGKILL it). This run starts
    // by sweeping what run 2 left, and says so.
    const stopping = await startRun("slow-stop");
    await until(
      () => stopping.stderr().includes(`left by run ${holding.child.pid}`),
      MOMENT_MS,
      "the sweep's report",
    );
    expect(stopping.stderr()).toMatch(
      new RegExp(
        `streamchaos: reaped \\d+ processes \\((backend "sut", nginx \\(default\\)|nginx \\(default\\), backend "sut")\\) and 1 temp dir left by run ${holding.child.pid} \\(started \\S+, killed after \\S+\\)`,
      ),
    );
    expect(leftovers(midScenario)).toEqual([]);
    await marked("slow-stop", "stopping", stopping);
    const inTeardown = snapshot(stopping);
    expect(inTeardown.record.groups.map((g) => g.name)).toEqual(['backend "sut"']);
    stopping.child.kill("SIGKILL");
    await stopping.exited;
    await nothingLeft(inTeardown, "after SIGKILL in teardown");

    // The next run finishes normally, and leaves nothing either.
    const normal = await startRun("normal");
    const [code] = (await normal.exited) as [number];
    expect([0, 1], normal.stderr()).toContain(code);
    // Run 3's watchdog cleaned up after it: nothing of it was left for this run to sweep.
    expect(normal.stderr()).not.toContain(`left by run ${stopping.child.pid}`);
    for (const taken of [atStart, midScenario, inTeardown]) expect(leftovers(taken)).toEqual([]);
    expect(readdirSync(runsDir()).filter((f) => f.startsWith(`${normal.child.pid}-`))).toEqual([]);
  },
  600_000,
);
