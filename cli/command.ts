/**
 * A CLI command: one file in `cli/commands/`, registered by name in `cli/commands/index.ts`.
 * `run` returns the exit code: 0 success, 1 a scenario failed, 2 usage or setup error
 * (throw a UserError for the latter; main prints it without a stack trace).
 */
export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Resolves when the user asks the command to stop (Ctrl-C); long-running commands await it. */
  stopSignal: AbortSignal;
}

/** What a long-running command awaits once it is up: the user's Ctrl-C (or a test's abort). */
export function untilStopped(io: CliIO): Promise<void> {
  const signal = io.stopSignal;
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}
