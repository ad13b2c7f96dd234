import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";

const PROBE = new URL("./alloc-probe.mjs", import.meta.url).pathname;
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

async function untilFile(path: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    try {
      return await readFile(path, "utf8");
    } catch {
      await sleep(20);
    }
  }
  throw new Error(`no ${path}`);
}

describe("alloc-probe (bench:peers' allocation counter)", () => {
  it("counts the bytes allocated between two SIGUSR2, garbage included", async () => {
    const dir = await mkdtemp(join(tmpdir(), "streamchaos-alloc-probe-"));
    dirs.push(dir);
    const out = join(dir, "count");
    const child = spawn(process.execPath, ["--import", PROBE, "-e", ALLOCATOR], {
      env: { ...process.env, PEERS_ALLOC_OUT: out },
      stdio: ["pipe", "pipe", "inherit"],
    });
    children.push(child);
    const allocate = async (arrays: number) => {
      child.stdin!.write(`go ${arrays}\n`);
      await once(child.stdout!, "data");
    };
    // Warm: the loop optimized, so what is counted is the arrays, not the compiler's first runs.
    await allocate(1000);

    child.kill("SIGUSR2");
    await untilFile(`${out}.started`);
    // 20,000 arrays of 1,000 small integers: ~8 KB of elements each, ~160 MB in all, nearly all
    // of it freed by the scavenger while the profiler samples.
    await allocate(20_000);
    child.kill("SIGUSR2");
    const bytes = Number(await untilFile(out));
    expect(bytes).toBeGreaterThan(0.8 * 20_000 * 8_000);
    expect(bytes).toBeLessThan(1.5 * 20_000 * 8_000);
  });

  it("refuses to start without PEERS_ALLOC_OUT, and says what to set", async () => {
    const env = { ...process.env };
    delete env.PEERS_ALLOC_OUT;
    const child = spawn(process.execPath, ["--import", PROBE, "-e", "0"], {
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
