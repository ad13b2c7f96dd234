import { StreamchaosError } from "./errors.ts";

type Cleanup = () => unknown | Promise<unknown>;

/**
 * A stack of async cleanups run in reverse order, every one of them even if some throw
 * (like AsyncDisposableStack, which Node 20 does not ship). Used by every started handle so that
 * `await using` tears down processes, sockets, temp dirs and ports also when a test fails.
 */
export class Teardown implements AsyncDisposable {
  #cleanups: Cleanup[] = [];
  #disposed = false;

  defer(cleanup: Cleanup): void {
    if (this.#disposed) throw new Error("Teardown already ran; cannot defer more cleanups");
    this.#cleanups.push(cleanup);
  }

  use<T extends AsyncDisposable | Disposable>(resource: T): T {
    this.defer(() =>
      Symbol.asyncDispose in resource
        ? (resource as AsyncDisposable)[Symbol.asyncDispose]()
        : (resource as Disposable)[Symbol.dispose](),
    );
    return resource;
  }

  /** Hands the pending cleanups to a new Teardown (for a constructor that succeeded). */
  move(): Teardown {
    const next = new Teardown();
    next.#cleanups = this.#cleanups;
    this.#cleanups = [];
    return next;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const errors: unknown[] = [];
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#cleanups = [];
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new StreamchaosError("TEARDOWN_FAILED", {
        what: `${errors.length} cleanups failed during teardown`,
        details: errors.map((e) => String(e instanceof Error ? e.message : e)),
        cause: errors[0],
      });
    }
  }

  dispose(): Promise<void> {
    return this[Symbol.asyncDispose]();
  }
}

/**
 * Process-wide registry of live resources, disposed on SIGINT/SIGTERM so that Ctrl-C leaves no
 * process, container, port or temp dir behind. Handles register themselves when started and
 * unregister when disposed.
 */
const live = new Set<AsyncDisposable>();
let signalsInstalled = false;

export function trackLive(resource: AsyncDisposable): () => void {
  live.add(resource);
  installSignalHandlers();
  return () => live.delete(resource);
}

/**
 * Disposes every live resource, newest first and one at a time, like unwinding a stack: a lane goes
 * before the runtime that made its network, a container before the network it is attached to
 * (disposing them in parallel left networks behind: "has active endpoints").
 */
export async function disposeAllLive(): Promise<void> {
  const resources = [...live].reverse();
  live.clear();
  for (const resource of resources) {
    try {
      await resource[Symbol.asyncDispose]();
    } catch {
      // Keep unwinding: one failed cleanup must not leave the others behind.
    }
  }
}

/** While set, the first SIGINT/SIGTERM asks the running command to stop instead of exiting at once. */
let interruptHandler: ((signal: NodeJS.Signals) => void) | undefined;
/** How long a command may take to stop after the first signal before everything is unwound anyway. */
const GRACEFUL_STOP_MS = 15_000;

/**
 * A command that can stop cleanly (the run: mark what was cut short, write the reports) takes the
 * first Ctrl-C: `handler` is called instead of exiting. A second Ctrl-C, or no stop within 15 s,
 * still disposes every live resource and exits at once. Returns the function that gives it back.
 */
export function onInterrupt(handler: (signal: NodeJS.Signals) => void): () => void {
  interruptHandler = handler;
  installSignalHandlers();
  return () => {
    if (interruptHandler === handler) interruptHandler = undefined;
  };
}

function installSignalHandlers(): void {
  if (signalsInstalled || process.env.VITEST) return;
  signalsInstalled = true;
  let received = 0;
  const hardStop = (signal: NodeJS.Signals) => {
    const code = signal === "SIGINT" ? 130 : 143;
    process.stderr.write(`\nstreamchaos: ${signal} received, cleaning up...\n`);
    const hardExit = setTimeout(() => process.exit(code), 10_000);
    hardExit.unref();
    void disposeAllLive().finally(() => process.exit(code));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const handler = interruptHandler;
    if (received++ > 0 || !handler) return hardStop(signal);
    process.stderr.write(
      `\nstreamchaos: ${signal} received, stopping (press Ctrl-C again to quit at once)...\n`,
    );
    setTimeout(() => hardStop(signal), GRACEFUL_STOP_MS).unref();
    handler(signal);
  };
  // `on`, not `once`: the second signal must reach us too (Node's default would kill without cleanup).
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}
