import { spawn } from "node:child_process";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { installHintFor } from "./install-hints.ts";

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCommandOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Install command quoted when the binary is missing. */
  install?: string;
}

/**
 * Runs a short command to completion (`nginx -t`, `caddy adapt`, `nginx -v`). A missing binary is a
 * UserError BINARY_NOT_FOUND; a non-zero exit is returned, not thrown: the caller knows what it means.
 *
 * Plain `spawn`, not zx's `$` (checked against zx 8.8): zx always runs a command line through a shell
 * (`shell: false` throws "No shell is available"). A missing binary then is bash's exit 127, not ENOENT;
 * and Debian's bash, given a socket for stdin (Node's pipes are) and no SHLVL (a CI runner, a
 * container), runs ~/.bashrc first, whose noise would land in the stderr we parse. zx's timeout kill
 * walks the tree with `ps`; without procps (Debian slim and minbase images) it throws from an event
 * handler and takes the process down.
 */
export function runCommand(
  command: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...options.env })) {
    if (value !== undefined) env[key] = value;
  }
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new StreamchaosError("COMMAND_TIMEOUT", {
          what: `\`${command} ${args.join(" ")}\` did not finish within ${timeoutMs}ms`,
          details: (stdout + stderr).split("\n").slice(-20),
        }),
      );
    }, timeoutMs);
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === "ENOENT") {
        const install = options.install ?? installHintFor(command);
        reject(
          new UserError("BINARY_NOT_FOUND", {
            what: `\`${command}\` was not found on PATH`,
            why: error.message,
            fix: install ? `Install it: ${install}` : `Install \`${command}\`.`,
            cause: error,
          }),
        );
      } else reject(error);
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
