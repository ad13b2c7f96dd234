import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ALLOC_PROBE, allocProbeLaunch, countAllocation } from "./alloc-count.ts";

/**
 * A server stand-in: on each line "go <n>" it allocates n arrays of 1,000 small integers and drops
 * them at once (garbage the scavenger frees: the probe must count it all the same), then prints
 * "done".
 */
const ALLOCATOR = `
let kept = 0;
process.stdin.setEncoding("utf8");
process.stdin.on("data", (line) => {
  const n = Number(line.trim().split(" ")[1]);
  for (let i = 0; i < n; i++) kept += new Array(1000).fill(i & 7).length;
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
  const allocate = async (arrays: number) => {
    child.stdin!.write(`go ${arrays}\n`);
    await once(child.stdout!, "data");
  };
  // Warm: the loop optimized, so what is counted is the arrays, not the compiler's first runs.
  await allocate(1000);
  return { pid: child.pid!, out, allocate };
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
