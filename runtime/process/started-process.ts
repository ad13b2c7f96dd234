import type { LogSource } from "../logs/log-lines.ts";

export interface ProcessExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  t: number;
}

/** A running child process with its live log. `await using` stops it and everything it spawned. */
export interface StartedProcess extends LogSource, AsyncDisposable {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  readonly readyAt: number;
  /** Resolves (never rejects) when the process has exited and its output has been read. */
  readonly exited: Promise<ProcessExit>;
  alive(): boolean;
  /** Stop signal to the whole process group, SIGKILL after the stop timeout. Idempotent. */
  stop(): Promise<ProcessExit>;
}
