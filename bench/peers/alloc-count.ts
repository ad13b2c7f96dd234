/**
 * The counting side of bench/peers/alloc-probe.mjs: how a server is started with the probe, and
 * how a count is taken from it (SIGUSR2, wait for the probe to start, the work, SIGUSR2, wait for
 * its count). One place for the protocol the bench and the probe's test both speak.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

export const ALLOC_PROBE = new URL("./alloc-probe.mjs", import.meta.url).pathname;

/** How long a probe may take to start sampling, or to write its count, after a SIGUSR2. */
const PROBE_ANSWER_MS = 30_000;

/** Node options and environment that preload the probe into a server, its count going to `out`. */
export function allocProbeLaunch(out: string): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ["--import", ALLOC_PROBE], env: { PEERS_ALLOC_OUT: out } };
}

/**
 * Bytes the process `pid`, started with `allocProbeLaunch(out)`, allocates while `work` runs,
 * garbage included. `who` names it in errors.
 */
export async function countAllocation(
  pid: number,
  out: string,
  work: () => Promise<unknown>,
  who = `process ${pid}`,
): Promise<number> {
  process.kill(pid, "SIGUSR2");
  await untilProbeWrote(`${out}.started`, who);
  try {
    await work();
  } catch (error) {
    // Stopped all the same: a probe left sampling slows whatever the process serves next, and its
    // files left behind would pass for the next count's.
    await stopProbe(pid, out, who).catch(() => {});
    throw error;
  }
  return Number(await stopProbe(pid, out, who));
}

/**
 * Bytes the process `pid`, started with `allocProbeLaunch(out)`, keeps alive now: its heap after a
 * full collection, and its array buffers. Not to be taken while the probe samples (countAllocation).
 */
export async function countLive(pid: number, out: string, who = `process ${pid}`): Promise<number> {
  await writeFile(`${out}.live`, "");
  process.kill(pid, "SIGUSR2");
  const count = await untilProbeWrote(out, who);
  await rm(out);
  return Number(count);
}

/** Stops the probe's sampling and returns the count it wrote, its files removed. */
async function stopProbe(pid: number, out: string, who: string): Promise<string> {
  process.kill(pid, "SIGUSR2");
  const count = await untilProbeWrote(out, who);
  await rm(out);
  await rm(`${out}.started`);
  return count;
}

/** The text of `path` once the probe has written it (it renames its count into place whole). */
async function untilProbeWrote(path: string, who: string): Promise<string> {
  const deadline = Date.now() + PROBE_ANSWER_MS;
  for (;;) {
    try {
      return await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${who}: the allocation probe wrote no ${path} within ${PROBE_ANSWER_MS / 1000} s of SIGUSR2 (is bench/peers/alloc-probe.mjs preloaded, and did the process print an alloc-probe error?)`,
      );
    await sleep(20);
  }
}
