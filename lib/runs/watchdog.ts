import { spawn } from "node:child_process";
import type { Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { processStart } from "../proc.ts";

/**
 * The live half of "nothing left behind, even on SIGKILL". Node cannot ask the kernel to signal its
 * children when it dies (PR_SET_PDEATHSIG is not exposed) and a SIGKILL runs no handler, so a
 * watchdog does it: a shell in its own session whose stdin is a pipe from this process. The pipe's
 * write end is close-on-exec (libuv), so only this process holds it; when it dies, however it dies,
 * the shell's `read` sees end-of-file. If the run record still exists then, the shell becomes node
 * running reap-main.mjs on it: stop the recorded groups (TERM, then KILL), remove the temp dirs,
 * delete the record. After a clean exit the record is gone and the shell just exits.
 *
 * A shell, not node, waits: it costs a fork and ~1 MB for the length of the run where a node
 * process would cost tens of ms of CPU at every start and ~40 MB; node (and tsx, to run the same
 * reaping code as the sweep) is only paid for when there is something to reap. Its own session keeps
 * it out of the terminal's Ctrl-C and of a CI runner's kill of the run's process group.
 */
const WATCH = 'while read -r _; do :; done; [ -e "$1" ] && exec "$2" "$3" "$1"';

const REAPER = fileURLToPath(new URL("./reap-main.mjs", import.meta.url));

export interface WatchdogIdentity {
  pid: number;
  start?: number;
}

/** Starts the watchdog for `stateFile`; undefined when it cannot start (the sweep remains). */
export function startWatchdog(stateFile: string): WatchdogIdentity | undefined {
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn("/bin/sh", ["-c", WATCH, "streamchaos-watchdog", stateFile, process.execPath, REAPER], {
      detached: true,
      // stderr is shared: what the watchdog reaped is said where the run was speaking.
      stdio: ["pipe", "ignore", "inherit"],
    });
  } catch {
    return undefined;
  }
  child.on("error", () => {});
  child.stdin?.on("error", () => {});
  // Neither the watchdog nor its pipe may keep this process alive: the pipe closes when it exits.
  child.unref();
  (child.stdin as Socket | null)?.unref();
  if (child.pid === undefined) return undefined;
  const start = processStart(child.pid);
  return start === undefined ? { pid: child.pid } : { pid: child.pid, start };
}
