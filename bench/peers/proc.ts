import { readFileSync } from "node:fs";

/**
 * A process's CPU time so far (user + system, every thread), ms, from /proc/<pid>/stat. utime and
 * stime are in clock ticks, 100 a second on Linux (USER_HZ, fixed by the kernel ABI), so a window
 * of a few seconds reads to about 1 %.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A process's resident set now, MB (VmRSS of /proc/<pid>/status). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS in /proc/${pid}/status (has it exited?)`);
  return Number(kb) / 1024;
}

/**
 * Connections the kernel dropped because a listen queue was full, machine-wide so far
 * (TcpExt ListenOverflows): a client whose SYN is dropped retries after a second, which a
 * first-content figure would show as a server's slowness.
 */
export function listenOverflows(): number {
  const text = readFileSync("/proc/net/netstat", "latin1").split("\n");
  for (let i = 0; i + 1 < text.length; i += 2) {
    const names = text[i]!.split(" ");
    if (names[0] !== "TcpExt:") continue;
    const values = text[i + 1]!.split(" ");
    return Number(values[names.indexOf("ListenOverflows")] ?? 0);
  }
  return 0;
}
