import { hostname } from "node:os";
import { bootId, readStat } from "../proc.ts";

/**
 * The process that owns a run's resources, named so that it cannot be mistaken for another: pids are
 * reused (pid_max is 32768 on many machines), a pid with its start time is not, within one boot.
 */
export interface RunOwner {
  pid: number;
  /** Start time in clock ticks after boot (/proc/<pid>/stat); absent without /proc. */
  start?: number;
  /** /proc/sys/kernel/random/boot_id: a record from an earlier boot names no live process. */
  boot?: string;
  /** A pid only means something on the machine that wrote it. */
  host: string;
}

export function currentOwner(pid = process.pid): RunOwner {
  const start = readStat(pid)?.start;
  const boot = bootId();
  return {
    pid,
    ...(start === undefined ? {} : { start }),
    ...(boot === undefined ? {} : { boot }),
    host: hostname(),
  };
}

/** Whether `owner` ran on this machine (records from elsewhere are never acted on). */
export function ownerIsLocal(owner: RunOwner, here = hostname()): boolean {
  return owner.host === here;
}

/**
 * True when the owner can no longer clean up after itself: its pid is gone, is a zombie, or now
 * names a process that started at another time (the pid was reused), or it ran before this boot.
 * Only meaningful for a local owner.
 */
export function ownerIsGone(owner: RunOwner): boolean {
  const boot = bootId();
  if (owner.boot !== undefined && boot !== undefined && owner.boot !== boot) return true;
  const stat = readStat(owner.pid);
  if (stat) return stat.state === "Z" || (owner.start !== undefined && stat.start !== owner.start);
  // No /proc entry: gone, unless there is no /proc to ask (then ask the kernel: ESRCH means gone).
  if (readStat(process.pid) !== undefined) return true;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}
