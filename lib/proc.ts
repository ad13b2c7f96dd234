import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * What Linux's /proc says about processes and sockets, read synchronously (tiny files, read at the
 * moments that must not be interrupted: right after a spawn, before a kill). Everything answers
 * `undefined` or empty where /proc is missing (macOS) or a process vanished while being read.
 * proc(5): https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */

export interface ProcStat {
  pid: number;
  /** The process group. */
  pgrp: number;
  /** When the process started, in clock ticks after boot: with the pid, names one process for good. */
  start: number;
  /** R, S, D, Z (zombie), ... */
  state: string;
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[19]);
  const pgrp = Number(fields[2]);
  if (!Number.isFinite(start) || !Number.isFinite(pgrp)) return undefined;
  return { pid, pgrp, start, state: fields[0] ?? "?" };
}

/** The process's start time (see ProcStat.start), undefined when it is gone or /proc is missing. */
export function processStart(pid: number): number | undefined {
  return readStat(pid)?.start;
}

/**
 * True when the kernel says this process (pid and start time) has ended, though our event loop may
 * not have reaped it yet: a zombie, or gone. False where /proc cannot tell (then ask the exit event).
 */
export function processEnded(pid: number, start: number | undefined): boolean {
  if (start === undefined || !procAvailable()) return false;
  const stat = readStat(pid);
  return stat === undefined || stat.start !== start || stat.state === "Z";
}

/** True when the kernel lets us read /proc/<pid>/stat: Linux, with /proc mounted. */
export function procAvailable(): boolean {
  return readStat(process.pid) !== undefined;
}

/** Differs after a reboot, when pids and start times count from zero again. */
export function bootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  try {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** Every live (not zombie) process in process group `pgid`. */
export function groupMembers(pgid: number): ProcStat[] {
  const members: ProcStat[] = [];
  for (const pid of pids()) {
    const stat = readStat(pid);
    if (stat && stat.pgrp === pgid && stat.state !== "Z") members.push(stat);
  }
  return members;
}

/** `node server.js --port 4000`, from /proc/<pid>/cmdline, cut at `max` characters. */
export function commandLineOf(pid: number, max = 120): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ");
    return line.length > max ? `${line.slice(0, max - 1)}…` : line;
  } catch {
    return undefined;
  }
}

export interface PortHolder {
  pid: number;
  command: string | undefined;
}

/**
 * The process listening on TCP `port` (any address, IPv4 or IPv6), if /proc can tell: the socket's
 * inode from /proc/net/tcp{,6}, then the process with a descriptor on it. Reading every process's
 * descriptors takes a few milliseconds, so this is for error messages, not for hot paths. Another
 * user's processes cannot be read unless we are root: then the answer is undefined.
 */
export function listeningHolder(port: number): PortHolder | undefined {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const row of text.split("\n").slice(1)) {
      const cols = row.trim().split(/\s+/);
      const local = cols[1];
      // st 0A is TCP_LISTEN; the port is the hex after the colon.
      if (!local || cols[3] !== "0A") continue;
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port && cols[9])
        inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  for (const pid of pids()) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (wanted.has(target)) return { pid, command: commandLineOf(pid) };
    }
  }
  return undefined;
}

/** Sends `signal` to every process in group `pgid`; a group that is already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/**
 * True when no live process is left in group `pgid`. kill(-pgid, 0) answers cheaply for most
 * groups; a group of zombies (dead, waiting for init to collect them) still answers it, so then
 * /proc decides.
 */
export function groupGone(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  return procAvailable() && groupMembers(pgid).length === 0;
}

/**
 * The live members of group `pgid` while it is still the group whose leader started at
 * `leaderStart`. The leader alive with another start time: the pid was reused, not that group. The
 * leader gone: members that started before it cannot have come from it. (A group id is only reused
 * once the group is empty, so what remains started after that leader; the one case this cannot
 * tell apart, a new group under the same id whose own leader died too, needs the pid to come round
 * again in between.)
 */
export function groupMembersSince(pgid: number, leaderStart: number): ProcStat[] {
  const leader = readStat(pgid);
  if (leader && leader.state !== "Z" && leader.start !== leaderStart) return [];
  return groupMembers(pgid).filter((m) => m.start >= leaderStart);
}

/** Resolves true once group `pgid` has no live process, false if some remain after `withinMs`. */
export async function waitGroupGone(pgid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (groupGone(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
