import { isUserError, renderUserError } from "../lib/errors.ts";
import { disposeAllLive, onInterrupt } from "../lib/lifecycle.ts";
import type { CliCommand, CliIO } from "./command.ts";

/**
 * Runs one command as the CLI does: Ctrl-C asks it to stop, a UserError is printed without a stack
 * (exit 2), anything else is an internal error (exit 3), and whatever it left running is disposed.
 * Shared by `main` and by the bundled `streamchaos fake` (cli/fake-main.ts).
 */
export async function runCliCommand(
  load: () => Promise<CliCommand>,
  args: string[],
  io?: Partial<CliIO>,
): Promise<number> {
  const controller = new AbortController();
  const fullIO: CliIO = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    stopSignal: io?.stopSignal ?? controller.signal,
  };
  // The first Ctrl-C asks the command to stop (a run marks what was cut short and writes its reports);
  // lib/lifecycle.ts turns a second one into an immediate cleanup and exit.
  const release = io?.stopSignal
    ? () => {}
    : onInterrupt((signal) => controller.abort(new Error(`${signal} received`)));
  try {
    const command = await load();
    return await command.run(args, fullIO);
  } catch (error) {
    if (isUserError(error)) {
      fullIO.stderr.write(`${renderUserError(error)}\n`);
      return 2;
    }
    fullIO.stderr.write(
      `streamchaos: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 3;
  } finally {
    release();
    await disposeAllLive();
  }
}
