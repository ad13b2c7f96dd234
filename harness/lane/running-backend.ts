import { delay, now } from "../../lib/clock.ts";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import type { BoxExit } from "../../runtime/box.ts";
import type { BackendSpec, BoxAddress, LogLine, Runtime, StartedBox } from "../boxes/runtime.ts";
import type { LaneBackend } from "./lane-options.ts";
import { withProviderUrls } from "./provider-urls.ts";

/** What was left of a backend that died: how and when it ended, and everything it wrote until then. */
export interface BackendDeath {
  /** Undefined where the runtime cannot say (a backend given by URL that stopped answering). */
  exit: BoxExit | undefined;
  noticedAt: number;
  /** Every line the dead box wrote, complete: read after its pipes closed. */
  logs: LogLine[];
}

/**
 * The backend under test for as long as the lane lives: its provider URLs point at hop C, and when a
 * scenario kills it, it starts again on the same port, the one hop B forwards to. Liveness is the
 * box's own exit state (a process's exit event, a container's state), never a request: a health
 * probe or a bare TCP connect would land in the backend's log inside the next scenario's window,
 * where a server that logs "connection closed early" would make a log check pass for the wrong reason.
 */
export class RunningBackend implements AsyncDisposable {
  #runtime: Runtime;
  #spec: BackendSpec;
  #box: StartedBox;

  private constructor(runtime: Runtime, spec: BackendSpec, box: StartedBox) {
    this.#runtime = runtime;
    this.#spec = spec;
    this.#box = box;
  }

  static async start(
    runtime: Runtime,
    backend: Pick<LaneBackend, "spec" | "provider">,
    providerOrigin: string,
  ): Promise<RunningBackend> {
    const spec = withProviderUrls(backend.spec, backend.provider, providerOrigin);
    return new RunningBackend(runtime, spec, await runtime.startBackend(spec));
  }

  get name(): string {
    return this.#spec.name;
  }

  get address(): BoxAddress {
    return this.#box.address;
  }

  alive(): Promise<boolean> {
    return this.#box.alive();
  }

  logs(): LogLine[] {
    return this.#box.logs();
  }

  /** False when the backend runs outside streamchaos (a URL) and its output is not captured. */
  get logsCaptured(): boolean {
    return this.#box.logsCaptured !== false;
  }

  /** Waits until `t` unless the backend dies first (a process says so at once; others are asked after). */
  async settle(t: number): Promise<void> {
    const ms = t - now();
    if (ms <= 0) return;
    const timer = new AbortController();
    try {
      await Promise.race([this.#box.exited ?? new Promise<never>(() => {}), delay(ms, timer.signal)]);
    } finally {
      timer.abort();
    }
  }

  /** Undefined while the backend runs; once it died, how, and its whole output up to its death. */
  async death(): Promise<BackendDeath | undefined> {
    if (await this.#box.alive()) return undefined;
    const noticedAt = now();
    const exit = this.#box.exited ? await this.#box.exited : await this.#box.exitInfo?.();
    return { exit, noticedAt, logs: this.#box.logs() };
  }

  /**
   * Replaces the dead box with a fresh one on the same port. A backend that does not come back is a
   * setup error (exit 2) for the rest of its scenarios, with the dead one's last lines.
   */
  async restart(death: BackendDeath): Promise<void> {
    const port = this.#box.address.internal.port;
    await Promise.resolve(this.#box[Symbol.asyncDispose]()).catch(() => {});
    try {
      this.#box = await this.#runtime.startBackend({ ...this.#spec, port });
    } catch (cause) {
      const why = cause instanceof StreamchaosError ? cause.message : String(cause);
      throw new UserError("BACKEND_RESTART_FAILED", {
        what: `Backend "${this.#spec.name}" died (${describeExit(death.exit)}) and did not start again`,
        why,
        fix: "Its remaining scenarios cannot run; its last lines before it died are below.",
        details: [...lastLines(death.logs), ...(cause instanceof StreamchaosError ? cause.details : [])],
        cause,
      });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#box[Symbol.asyncDispose]();
  }
}

/** `code 1`, `signal SIGKILL`, or `unknown exit`. */
export function describeExit(exit: BoxExit | undefined): string {
  if (!exit) return "exit unknown";
  return exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
}

/** The last lines a dead backend wrote, as `[stderr] line`: what a person reads first. */
export function lastLines(logs: readonly LogLine[], count = 20): string[] {
  const tail = logs.slice(-count);
  return tail.length ? tail.map((l) => `[${l.source}] ${l.line}`) : ["(no output)"];
}
