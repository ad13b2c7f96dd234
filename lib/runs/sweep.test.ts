import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { processStart } from "../proc.ts";
import { makeTempDir, type TempDir } from "../tempdir.ts";
import { currentOwner, type RunOwner } from "./owner.ts";
import { describeReaped } from "./reap.ts";
import type { RunRecordFile } from "./record.ts";
import { sweepDeadRuns, sweepReport } from "./sweep.ts";

/**
 * The sweep acts on a record only when its owner is dead on this machine, and then only on the
 * groups that are still the ones recorded. Real processes, a private records dir per test.
 */

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A detached `sleep` (its own group, as startProcess makes them) and its recorded identity. */
function sleeper(): { child: ChildProcess; group: RunRecordFile["groups"][0] } {
  const child = spawn("sleep", ["30"], { detached: true, stdio: "ignore" });
  cleanups.push(() => child.kill("SIGKILL"));
  return { child, group: { pgid: child.pid!, start: processStart(child.pid!)!, name: "sleeper", ports: [] } };
}

async function fixture(owner: RunOwner, leaderStartOffset = 0) {
  const records: TempDir = await makeTempDir("sweep-test");
  cleanups.push(() => records[Symbol.asyncDispose]());
  const { child, group } = sleeper();
  // Named like the run's own temp dirs (the sweep removes nothing else); not in the runs' record.
  const leftover = join(
    tmpdir(),
    `streamchaos-sweep-test-leftover-${process.pid}-${Math.random().toString(36).slice(2)}`,
  );
  mkdirSync(leftover);
  cleanups.push(() => rm(leftover, { recursive: true, force: true }));
  const at = new Date().toISOString();
  const record: RunRecordFile = {
    version: 1,
    owner,
    startedAt: at,
    updatedAt: at,
    groups: [{ ...group, start: group.start! + leaderStartOffset }],
    dirs: [leftover],
  };
  const file = join(records.path, `${owner.pid}-${owner.start ?? "x"}-test.json`);
  writeFileSync(file, JSON.stringify(record));
  return { dir: records.path, file, child, leftover };
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && processStart(child.pid!) !== undefined;
}

describe("sweepDeadRuns", () => {
  it("never touches what a live owner recorded", async () => {
    const { dir, file, child, leftover } = await fixture(currentOwner());
    expect(await sweepDeadRuns({ dir })).toEqual([]);
    expect(alive(child)).toBe(true);
    expect(existsSync(leftover)).toBe(true);
    expect(existsSync(file)).toBe(true);
  });

  it("treats a reused pid (same number, another start time) as a dead owner and reaps its record", async () => {
    const me = currentOwner();
    const { dir, file, child, leftover } = await fixture({ ...me, start: me.start! - 1 });
    const exited = new Promise((resolve) => child.once("exit", resolve));
    const reaped = await sweepDeadRuns({ dir, graceMs: 1_000 });
    expect(reaped.map((r) => [r.processes, r.groups, r.dirs])).toEqual([[1, ["sleeper"], 1]]);
    await exited;
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(file)).toBe(false);
    expect(sweepReport(reaped)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^streamchaos: reaped 1 process \\(sleeper\\) and 1 temp dir left by run ${me.pid} \\(started \\S+Z, killed after \\S+Z\\)$`,
        ),
      ),
    ]);
  });

  it("leaves a group alone when its pid now names a process that started at another time", async () => {
    const me = currentOwner();
    // The recorded leader started a tick before the process that has its pid now.
    const { dir, child, leftover } = await fixture({ ...me, start: me.start! - 1 }, -1);
    const reaped = await sweepDeadRuns({ dir, graceMs: 500 });
    expect(reaped.map((r) => [r.processes, r.dirs])).toEqual([[0, 1]]);
    expect(alive(child)).toBe(true);
    expect(existsSync(leftover)).toBe(false);
  });

  it("never acts on a record written on another host", async () => {
    const { dir, child, leftover } = await fixture({ pid: 999_999, host: `not-${hostname()}` });
    expect(await sweepDeadRuns({ dir })).toEqual([]);
    expect(alive(child)).toBe(true);
    expect(existsSync(leftover)).toBe(true);
  });

  it("from an earlier boot, removes the dirs but signals nothing (its pids mean nothing now)", async () => {
    const me = currentOwner();
    const { dir, child, leftover } = await fixture({ ...me, boot: "an-earlier-boot" });
    const [reaped] = await sweepDeadRuns({ dir });
    expect(reaped && [reaped.processes, reaped.dirs]).toEqual([0, 1]);
    expect(alive(child)).toBe(true);
    expect(existsSync(leftover)).toBe(false);
    expect(describeReaped(reaped!)).toMatch(/^reaped 1 temp dir left by run/);
  });
});
