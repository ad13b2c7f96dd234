import { readFileSync } from "node:fs";

/**
 * CPU time (ms) the main thread has used so far, from /proc (Linux), or undefined elsewhere.
 * process.cpuUsage() counts every thread of the process: the bench's readers, the timer's helper,
 * GC and JIT threads. What a paced write costs the one thread that has to keep every stream's
 * schedule is this thread's share alone; it is also what decides how fast a backlog left by a
 * stall drains (a write's cost c at 10^4 writes/s: the backlog clears in S * 10c / (1 - 10c) ms
 * after a stall of S ms, c in ms).
 * utime and stime are in clock ticks: 100 a second on Linux (USER_HZ, fixed by the kernel ABI).
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "latin1");
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}
