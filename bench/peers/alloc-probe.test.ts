import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ALLOC_PROBE, allocProbeLaunch, countAllocation, countLive } from "./alloc-count.ts";

/**
 * A server stand-in: on each line "go <n>" it allocates n arrays of 1,000 small integers and drops
 * them at once (garbage the scavenger frees: the probe must count it all the same), on "keep <n>"
 * it keeps n more (and n typed arrays of 1,000 doubles, outside the heap), on "drop" it lets go of
 * what it kept; then prints "done".
 */
const ALLOCATOR = `
let kept = 0;
let held = [];
process.stdin.setEncoding("utf8");
process.stdin.on("data", (line) => {
  const [verb, count] = line.trim().split(" ");
  const n = Number(count);
  if (verb === "drop") held = [];
  else if (verb === "keep") for (let i = 0; i < n; i++) held.push(new Array(1000).fill(i & 7), new Float64Array(1000));
  else for (let i = 0; i < n; i++) kept += new Array(1000).fill(i & 7).length;
  process.stdout.write("done\\n");
});
`;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A child with the probe preloaded, and `allocate(n)`, which resolves once it dropped n arrays. */
async function startAllocator() {
  const dir = await mkdtemp(join(tmpdir(), "streamchaos-alloc-probe-"));
  dirs.push(dir);
  const out = join(dir, "count");
  const launch = allocProbeLaunch(out);
  const child = spawn(process.execPath, [...launch.nodeArgs, "-e", ALLOCATOR], {
    env: { ...process.env, ...launch.env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  const tell = async (line: string) => {
    child.stdin!.write(`${line}\n`);
    await once(child.stdout!, "data");
  };
  const allocate = (arrays: number) => tell(`go ${arrays}`);
  // Warm: the loop optimized, so what is counted is the arrays, not the compiler's first runs.
  await allocate(1000);
  return { pid: child.pid!, out, allocate, tell };
}

describe("alloc-probe (bench:peers' allocation counter)", () => {
  it("counts the bytes allocated between two SIGUSR2, garbage included", async () => {
    const { pid, out, allocate } = await startAllocator();
    // 20,000 arrays of 1,000 small integers: ~8 KB of elements each, ~160 MB in all, nearly all
    // of it freed by the scavenger while the profiler samples.
    const bytes = await countAllocation(pid, out, () => allocate(20_000));
    expect(bytes).toBeGreaterThan(0.8 * 20_000 * 8_000);
    expect(bytes).toBeLessThan(1.5 * 20_000 * 8_000);
  });

  it("stops the probe when the work fails and leaves no file behind, so the next count is its own", async () => {
    const { pid, out, allocate } = await startAllocator();
    const failing = async () => {
      await allocate(20_000);
      throw new Error("the load failed");
    };
    await expect(countAllocation(pid, out, failing)).rejects.toThrow("the load failed");
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.started`)).toBe(false);
    // Left sampling, the probe would have answered this count with the failed one's ~160 MB.
    const bytes = await countAllocation(pid, out, () => allocate(2_000));
    expect(bytes).toBeGreaterThan(0.8 * 2_000 * 8_000);
    expect(bytes).toBeLessThan(1.5 * 2_000 * 8_000);
  });

  it("counts what the process keeps alive, heap and array buffers, not its garbage", async () => {
    const { pid, out, allocate, tell } = await startAllocator();
    const before = await countLive(pid, out);
    // 2,000 arrays of ~8 KB of elements and 2,000 typed arrays of 8 KB: ~32 MB kept.
    await tell("keep 2000");
    await allocate(20_000);
    const keeping = await countLive(pid, out);
    expect(keeping - before).toBeGreaterThan(0.8 * 2_000 * 16_000);
    expect(keeping - before).toBeLessThan(1.5 * 2_000 * 16_000);
    await tell("drop");
    const dropped = await countLive(pid, out);
    expect(dropped - before).toBeLessThan(0.1 * 2_000 * 16_000);
    expect(existsSync(out)).toBe(false);
    // A count of allocation after it is its own.
    const bytes = await countAllocation(pid, out, () => allocate(2_000));
    expect(bytes).toBeGreaterThan(0.8 * 2_000 * 8_000);
    expect(bytes).toBeLessThan(1.5 * 2_000 * 8_000);
  });

  it("refuses to start without PEERS_ALLOC_OUT, and says what to set", async () => {
    const env = { ...process.env };
    delete env.PEERS_ALLOC_OUT;
    const child = spawn(process.execPath, ["--import", ALLOC_PROBE, "-e", "0"], {
      env,
      stdio: ["ignore", "ignore", "pipe"],
    });
    children.push(child);
    let stderr = "";
    child.stderr!.on("data", (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(child, "exit");
    expect(code).not.toBe(0);
    expect(stderr).toContain("PEERS_ALLOC_OUT must name the file to write the count to");
  });
});
