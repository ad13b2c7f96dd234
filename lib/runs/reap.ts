import { existsSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { bootId, groupMembersSince, type ProcStat, readStat, signalGroup, waitGroupGone } from "../proc.ts";
import { ownerIsGone } from "./owner.ts";
import { type RecordedGroup, type RunRecordFile, readRecord } from "./record.ts";

/** What reaping one dead run's record found and did. */
export interface Reaped {
  record: RunRecordFile;
  /** Processes that were still alive in the recorded groups, and the names of those groups. */
  processes: number;
  groups: string[];
  dirs: number;
}

export interface ReapOptions {
  /** How long the groups get between SIGTERM and SIGKILL (default 2000 ms). */
  graceMs?: number;
}

/**
 * Stops what a dead run left: every recorded group still alive whose leader is the one recorded
 * (a pid since reused by someone else is left alone), SIGTERM first so that nginx and backends get
 * to close their sockets, SIGKILL after `graceMs`; then removes its temp dirs. Nothing from another
 * boot is signalled (its pids mean nothing now). Does not delete the record: callers do, last.
 */
export async function reapRecord(record: RunRecordFile, options: ReapOptions = {}): Promise<Reaped> {
  const sameBoot = record.owner.boot === undefined || record.owner.boot === bootId();
  const groups = sameBoot ? record.groups.map((g) => ({ group: g, members: liveMembers(g) })) : [];
  const alive = groups.filter((g) => g.members.length > 0);
  // The watchdog is a leftover too when it outlived its run; it is not a group to wait for.
  if (sameBoot && record.watchdog && record.watchdog.pid !== process.pid) {
    const watchdog = readStat(record.watchdog.pid);
    if (watchdog && watchdog.start === record.watchdog.start) signalPid(record.watchdog.pid, "SIGKILL");
  }
  for (const { group } of alive) trySignalGroup(group.pgid, "SIGTERM");
  if (!(await allGone(alive, options.graceMs ?? 2_000))) {
    for (const { group } of alive) trySignalGroup(group.pgid, "SIGKILL");
    await allGone(alive, 2_000);
  }
  let dirs = 0;
  for (const dir of record.dirs) {
    // Only what streamchaos names its temp dirs: a record is never a licence to delete anything else.
    if (!basename(dir).startsWith("streamchaos-") || !existsSync(dir)) continue;
    rmSync(dir, { recursive: true, force: true });
    dirs++;
  }
  return {
    record,
    processes: alive.reduce((n, g) => n + g.members.length, 0),
    groups: alive.map((g) => g.group.name),
    dirs,
  };
}

function liveMembers(group: RecordedGroup): ProcStat[] {
  return group.start === undefined ? [] : groupMembersSince(group.pgid, group.start);
}

async function allGone(groups: Array<{ group: RecordedGroup }>, withinMs: number): Promise<boolean> {
  const gone = await Promise.all(groups.map(({ group }) => waitGroupGone(group.pgid, withinMs)));
  return gone.every(Boolean);
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
}

/** EPERM (a member that changed user, when we are not root) must not stop the rest of the reaping. */
function trySignalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    signalGroup(pgid, signal);
  } catch {
    // Reaping goes on with the other groups and the temp dirs.
  }
}

/** `reaped 3 processes (nginx (default), backend "sut") and 1 temp dir left by run 12345 (...)`. */
export function describeReaped(reaped: Reaped): string | undefined {
  if (reaped.processes === 0 && reaped.dirs === 0) return undefined;
  const parts: string[] = [];
  if (reaped.processes > 0) {
    parts.push(`${plural(reaped.processes, "process", "processes")} (${reaped.groups.join(", ")})`);
  }
  if (reaped.dirs > 0) parts.push(plural(reaped.dirs, "temp dir", "temp dirs"));
  const { owner, startedAt, updatedAt } = reaped.record;
  return `reaped ${parts.join(" and ")} left by run ${owner.pid} (started ${isoSeconds(startedAt)}, killed after ${isoSeconds(updatedAt)})`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function isoSeconds(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z");
}

/**
 * The watchdog's work once its pipe closed: wait (briefly) for the owner to be gone for good, then
 * reap its record and delete it. Never acts for an owner that is still alive.
 */
export async function reapAfterOwner(file: string, say: (line: string) => void): Promise<void> {
  const record = readRecord(file);
  if (!record) return;
  const deadline = Date.now() + 2_000;
  while (!ownerIsGone(record.owner)) {
    if (Date.now() >= deadline) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  // The owner may have written once more before it died: act on its last word.
  const last = readRecord(file) ?? record;
  const reaped = await reapRecord(last);
  rmSync(file, { force: true });
  const line = describeReaped(reaped);
  if (line) say(`streamchaos: watchdog: ${line}`);
}
