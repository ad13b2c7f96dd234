import { type ChildProcess, spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import { delay, now } from "../../lib/clock.ts";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import { checkPortFree } from "../../lib/net.ts";
import {
  groupGone,
  groupMembersSince,
  processEnded,
  processStart,
  signalGroup,
  waitGroupGone,
} from "../../lib/proc.ts";
import { runRecord } from "../../lib/runs/record.ts";
import { formatLogTail, LineLog } from "../logs/log-lines.ts";
import type { WaitStrategy } from "../wait/wait-strategy.ts";
import { installHintFor } from "./install-hints.ts";
import type { ProcessExit, StartedProcess } from "./started-process.ts";

export interface ProcessOptions {
  /** Shown in every message, e.g. `nginx (sse-tuned)` or `backend "node-hardened"`. */
  name: string;
  command: string;
  args?: string[];
  /** Added to (and overriding) the parent's environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Start from an empty environment instead of the parent's. */
  cleanEnv?: boolean;
  cwd?: string;
  /** Without one, the process counts as ready once spawned. */
  readiness?: WaitStrategy;
  stopSignal?: NodeJS.Signals;
  stopTimeoutMs?: number;
  /** Ports the process will bind: checked free before spawning, so "someone else answers" is caught. */
  ports?: Array<{ host: string; port: number }>;
  /** Install command for the binary, when it is not in the built-in table. */
  install?: string;
  /** Log lines quoted in errors (default 20). */
  tailLines?: number;
}

/** Abort reason the readiness wait sees when the process exits first. */
const EXITED_EARLY = Symbol("exited before ready");
const ADDRESS_IN_USE = /EADDRINUSE|address already in use/i;

/**
 * Spawns a process in its own process group (so stopping it also stops what it forked: nginx
 * workers, uvicorn reloaders, shells), captures its output as timestamped lines, and waits for
 * readiness while watching for an early exit.
 *
 * Plain `spawn`, not zx (checked against zx 8.8): zx would put a shell in front (see run-command.ts).
 * Its promise settles on `close`, once every grandchild holding the pipes is gone, where readiness must
 * see the leader's `exit` at once. Its kill signals the `ps` tree, then the group: after the leader died
 * its orphans are out of that tree and only the group signal reaches them, which is all stopGroup
 * sends, with no `ps` to depend on. Timestamped lines and readiness waits zx has not.
 */
export async function startProcess(options: ProcessOptions): Promise<StartedProcess> {
  const tailLines = options.tailLines ?? 20;
  if (options.cwd !== undefined) await checkCwd(options);
  for (const { host, port } of options.ports ?? []) {
    await checkPortFree({ subject: `Cannot start ${options.name}`, host, port });
  }

  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...(options.cleanEnv ? {} : process.env), ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const log = new LineLog();
  const startedAt = now();
  const child = spawn(options.command, options.args ?? [], {
    cwd: options.cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  // The leader's start time tells our group from a later one under the same id (pids are reused).
  const start = child.pid === undefined ? undefined : processStart(child.pid);
  // Recorded at once, synchronously: a SIGKILL from here on leaves the group to the run's watchdog.
  const forget =
    child.pid === undefined
      ? () => {}
      : runRecord().addGroup({
          pgid: child.pid,
          start,
          name: options.name,
          ports: (options.ports ?? []).map((p) => p.port),
        });
  const outputDone = Promise.all([log.attach(child.stdout!, "stdout"), log.attach(child.stderr!, "stderr")]);
  let exit: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal, t: now() };
      // A grandchild may keep the pipes open after the leader died; don't wait on it for long.
      void settleWithin(outputDone, 250).then(() => resolve(exit!));
    });
  });
  await spawned(child, options);
  const pid = child.pid!;

  let stopping: Promise<ProcessExit> | undefined;
  const stop = (): Promise<ProcessExit> => {
    stopping ??= stopGroup({ pid, start }, exited, () => exit !== undefined, options).finally(() => {
      // Kept in the record while any of it lives: the watchdog or the next sweep still has to act.
      if (!ourGroupAlive(pid, start)) forget();
    });
    return stopping;
  };
  let untrack: () => void = () => {};
  let readyAt = Number.NaN;
  const handle: StartedProcess = {
    name: options.name,
    pid,
    startedAt,
    get readyAt() {
      return readyAt;
    },
    exited,
    // The exit event waits for our event loop to reap the child; on a busy machine a scenario could
    // start in between and be blamed for a death that came before it. The kernel knows at once.
    alive: () => exit === undefined && !processEnded(pid, start),
    stop,
    logs: () => log.logs(),
    logsSince: (t) => log.logsSince(t),
    tail: (n) => log.tail(n),
    onLine: (listener) => log.onLine(listener),
    async [Symbol.asyncDispose]() {
      try {
        await stop();
      } finally {
        untrack();
      }
    },
  };
  untrack = trackLive(handle);

  try {
    await waitReady(options, log, exited);
  } catch (error) {
    await handle[Symbol.asyncDispose]();
    await settleWithin(outputDone, 250);
    throw explainStartFailure(options, log, exit, error, tailLines);
  }
  readyAt = now();
  return handle;
}

async function waitReady(options: ProcessOptions, log: LineLog, exited: Promise<ProcessExit>): Promise<void> {
  const earlyExit = new AbortController();
  void exited.then(() => earlyExit.abort(EXITED_EARLY));
  if (!options.readiness) return;
  try {
    await options.readiness.waitUntilReady({ signal: earlyExit.signal, logs: log });
  } finally {
    earlyExit.abort(new Error("readiness settled"));
  }
}

function explainStartFailure(
  options: ProcessOptions,
  log: LineLog,
  exit: ProcessExit | undefined,
  error: unknown,
  tailLines: number,
): StreamchaosError {
  const details = formatLogTail(log.tail(tailLines));
  const inUse = log.logs().find((l) => ADDRESS_IN_USE.test(l.line));
  if (inUse) {
    return new UserError("PORT_IN_USE", {
      what: `${options.name} could not bind its port`,
      why: inUse.line.trim(),
      fix: "Another process holds the port; stop it or let streamchaos pick a free port (port 0).",
      details,
      cause: error,
    });
  }
  if (error === EXITED_EARLY && exit) {
    const how = exit.code !== null ? `code ${exit.code}` : `signal ${exit.signal}`;
    return new UserError("PROCESS_EXITED_EARLY", {
      what: `${options.name} exited with ${how} before it became ready`,
      why: `command: ${commandLine(options)}`,
      fix: "Run the command by hand to see why it stops; its last log lines are below.",
      details,
    });
  }
  if (error instanceof StreamchaosError && error.code === "READINESS_TIMEOUT") {
    return new UserError("PROCESS_NOT_READY", {
      what: `${options.name} never became ready`,
      why: error.why ?? error.message,
      fix: "Check the command, its port and its readiness check; its last log lines are below.",
      details,
      cause: error,
    });
  }
  if (error instanceof StreamchaosError) return error;
  return new StreamchaosError("PROCESS_START_FAILED", {
    what: `${options.name} failed to start`,
    why: error instanceof Error ? error.message : String(error),
    details,
    cause: error,
  });
}

function spawned(child: ChildProcess, options: ProcessOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "EACCES") {
        const install = options.install ?? installHintFor(options.command);
        reject(
          new UserError(error.code === "ENOENT" ? "BINARY_NOT_FOUND" : "BINARY_NOT_EXECUTABLE", {
            what: `Cannot start ${options.name}: \`${options.command}\` ${error.code === "ENOENT" ? "was not found on PATH" : "is not executable"}`,
            why: error.message,
            fix: install ? `Install it: ${install}` : `Install \`${options.command}\` or fix the command.`,
            cause: error,
          }),
        );
      } else {
        reject(
          new StreamchaosError("PROCESS_SPAWN_FAILED", {
            what: `Cannot start ${options.name}`,
            why: error.message,
            cause: error,
          }),
        );
      }
    });
  });
}

async function stopGroup(
  group: { pid: number; start: number | undefined },
  exited: Promise<ProcessExit>,
  hasExited: () => boolean,
  options: ProcessOptions,
): Promise<ProcessExit> {
  const { pid, start } = group;
  if (!hasExited()) {
    signalGroup(pid, options.stopSignal ?? "SIGTERM");
    const exitedInTime = await settleWithin(exited, options.stopTimeoutMs ?? 5_000);
    if (!exitedInTime) signalGroup(pid, "SIGKILL");
  }
  const result = await exited;
  // The leader is gone; anything it forked that ignored the stop signal is still in the group. Once
  // the group id is free it can be someone else's: signal it only while it is still ours.
  if (ourGroupAlive(pid, start)) {
    signalGroup(pid, "SIGKILL");
    // kill() returns before the processes are gone; "stopped" means their ports are free.
    await waitGroupGone(pid, 2_000);
  }
  return result;
}

/** Whether group `pid` still has processes of ours; without /proc (no start time) any will do. */
function ourGroupAlive(pid: number, start: number | undefined): boolean {
  if (groupGone(pid)) return false;
  return start === undefined || groupMembersSince(pid, start).length > 0;
}

/** True if `promise` settled within `ms`; the timer is cleared either way so it never holds the process open. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController();
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      delay(ms, timer.signal).then(() => false),
    ]);
  } finally {
    timer.abort();
  }
}

async function checkCwd(options: ProcessOptions): Promise<void> {
  const info = await stat(options.cwd!).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError("PROCESS_BAD_CWD", {
      what: `Cannot start ${options.name}: working directory ${options.cwd} does not exist`,
      fix: "Fix the cwd in the configuration (relative paths are resolved against the config file).",
    });
  }
}

function commandLine(options: ProcessOptions): string {
  return [options.command, ...(options.args ?? [])]
    .map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))
    .join(" ");
}
