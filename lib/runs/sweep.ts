import { readdirSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { ownerIsGone, ownerIsLocal, type RunOwner } from "./owner.ts";
import { describeReaped, type Reaped, type ReapOptions, reapRecord } from "./reap.ts";
import { readRecord, runsDir, usableRunsDir } from "./record.ts";

export interface SweepOptions extends ReapOptions {
  /** Default runsDir(). */
  dir?: string;
}

/**
 * What every run does first: reap the records of runs whose owner is dead and whose watchdog did not
 * (or not yet) clean up after them, as the docker runtime sweeps containers by label. A live owner's
 * record is never touched, whoever it is (another lane's process, another engineer's run); a record
 * from another host sharing the temp dir neither. Two runs starting at once may both reap one
 * record: signals and removals are idempotent, and both say so.
 */
export async function sweepDeadRuns(options: SweepOptions = {}): Promise<Reaped[]> {
  const dir = options.dir ?? runsDir();
  if (!usableRunsDir(dir, false)) return [];
  const reaped: Reaped[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (name.endsWith(".json.tmp")) {
      // A write cut short by the kill: the rename never happened, the .json beside it is the record.
      const owner = ownerOfName(name);
      if (owner && ownerIsGone(owner)) rmSync(file, { force: true });
      continue;
    }
    if (!name.endsWith(".json")) continue;
    const record = readRecord(file);
    if (!record || !ownerIsLocal(record.owner) || !ownerIsGone(record.owner)) continue;
    try {
      reaped.push(await reapRecord(record, options));
      rmSync(file, { force: true });
    } catch {
      // A record that cannot be acted on (a dir we may not remove) stays for a later sweep; the run
      // it would hold up is more important.
    }
  }
  return reaped;
}

/** `<pid>-<start>-<random>.json.tmp`, as RunRecord names its files. */
function ownerOfName(name: string): RunOwner | undefined {
  const match = /^(\d+)-(\d+|x)-/.exec(name);
  if (!match) return undefined;
  const start = Number(match[2]);
  return { pid: Number(match[1]), ...(Number.isNaN(start) ? {} : { start }), host: hostname() };
}

/** The sweep's lines for stderr, one per dead run it reaped something of. */
export function sweepReport(reaped: Reaped[]): string[] {
  return reaped.flatMap((r) => {
    const line = describeReaped(r);
    return line ? [`streamchaos: ${line}`] : [];
  });
}
