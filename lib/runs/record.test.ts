import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { processStart, readStat } from "../proc.ts";
import { makeTempDir } from "../tempdir.ts";
import { until } from "../testing.ts";
import { currentOwner } from "./owner.ts";
import { RunRecord, readRecord } from "./record.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("RunRecord", () => {
  it("keeps a state file listing the owner, its groups and dirs, and removes it once empty", async () => {
    await using dir = await makeTempDir("record-test");
    const record = new RunRecord({ dir: dir.path, watchdog: false });
    const forgetGroup = record.addGroup({ pgid: 4242, start: 7, name: "nginx (default)", ports: [8080] });
    const forgetDir = record.addDir("/tmp/streamchaos-nginx-abc");
    const written = readRecord(record.file)!;
    expect(written.owner).toEqual(currentOwner());
    expect(written.groups).toEqual([{ pgid: 4242, start: 7, name: "nginx (default)", ports: [8080] }]);
    expect(written.dirs).toEqual(["/tmp/streamchaos-nginx-abc"]);
    expect(record.file).toMatch(new RegExp(`/${process.pid}-${currentOwner().start}-[0-9a-f]{8}\\.json$`));
    forgetGroup();
    expect(readRecord(record.file)!.groups).toEqual([]);
    forgetDir();
    // Written by rename, never in place: no temporary file stays beside it either.
    expect(readdirSync(dir.path)).toEqual([]);
  });
});

/**
 * The watchdog, with a real owner process: it goes away with an owner that exits cleanly, and it
 * stops what an owner killed with SIGKILL had recorded.
 */
describe("the watchdog", () => {
  async function owner(dir: string, mode: "clean" | "hang") {
    const script = join(dir, "owner.mts");
    await writeFile(
      script,
      [
        `import { spawn } from "node:child_process";`,
        `import { RunRecord } from ${JSON.stringify(join(ROOT, "lib/runs/record.ts"))};`,
        `import { processStart } from ${JSON.stringify(join(ROOT, "lib/proc.ts"))};`,
        `const record = new RunRecord({ dir: ${JSON.stringify(dir)} });`,
        `const sleeper = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });`,
        `const forget = record.addGroup({ pgid: sleeper.pid, start: processStart(sleeper.pid), name: "sleeper", ports: [] });`,
        `console.log(JSON.stringify({ file: record.file, ...record.snapshot() }));`,
        mode === "clean"
          ? `process.kill(-sleeper.pid, "SIGKILL"); sleeper.on("exit", () => forget());`
          : "setInterval(() => {}, 1000);",
      ].join("\n"),
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const [line] = (await once(child.stdout, "data")) as [Buffer];
    const state = JSON.parse(line.toString()) as ReturnType<RunRecord["snapshot"]> & { file: string };
    return { child, state };
  }

  const alive = (identity: { pid: number; start?: number }) =>
    readStat(identity.pid)?.start === identity.start && readStat(identity.pid)?.state !== "Z";

  it("exits with an owner that exits cleanly, and reaps nothing", async () => {
    await using dir = await makeTempDir("watchdog-test");
    const { child, state } = await owner(dir.path, "clean");
    expect(state.watchdog?.pid).toBeGreaterThan(0);
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    await until(() => !alive(state.watchdog!), 5_000, "the watchdog's exit");
    expect(existsSync(state.file)).toBe(false);
  });

  it("stops the recorded groups and deletes the record when its owner is killed with SIGKILL", async () => {
    await using dir = await makeTempDir("watchdog-test");
    const { child, state } = await owner(dir.path, "hang");
    const sleeper = state.groups[0]!;
    expect(processStart(sleeper.pgid)).toBe(sleeper.start);
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.kill("SIGKILL");
    await until(() => !alive({ pid: sleeper.pgid, start: sleeper.start! }), 15_000, "the sleeper's end");
    await until(() => !existsSync(state.file) && !alive(state.watchdog!), 5_000, "the record's removal");
    // stderr is shared with the owner's: the watchdog says what it did where the run was speaking.
    await until(() => Buffer.concat(stderr).toString().includes("watchdog: reaped 1 process (sleeper)"));
  });
});
