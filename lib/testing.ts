import { networkInterfaces } from "node:os";
import { PassThrough } from "node:stream";
import { StreamchaosError } from "./errors.ts";

/** A stream that keeps everything written to it: a CLI command's stdout or stderr in a test. */
export function captureOutput(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

/**
 * Polls until `condition` holds, for states no event announces (a line in a log, a banner on
 * stdout). Throws, naming `what`, once `timeoutMs` passed: the bound is a deadline, not a sleep.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = "the condition",
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Is a process still there? (signal 0 probes without touching it; a zombie still answers) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** An IPv4 address of this machine that is not loopback: where "exposed beyond loopback" is seen. */
export function exposedAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((address) => address?.family === "IPv4" && !address.internal)?.address;
}

/** The StreamchaosError a promise rejects with; any other outcome fails the test. */
export async function caught(promise: Promise<unknown>): Promise<StreamchaosError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof StreamchaosError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}
