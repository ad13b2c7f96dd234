import { UserError } from "../../lib/errors.ts";
import { type ReadinessContext, TimedWaitStrategy, type WaitStrategy } from "./wait-strategy.ts";

/**
 * Ready when every strategy is, checked concurrently under one deadline. A child with its own
 * `withTimeout` keeps it; the others share this one's.
 */
export class AllWaitStrategy extends TimedWaitStrategy {
  constructor(readonly strategies: WaitStrategy[]) {
    super();
    if (strategies.length === 0) {
      throw new UserError("READINESS_EMPTY", {
        what: "Wait.forAll was given no strategies",
        fix: "Pass at least one strategy, e.g. Wait.forAll([Wait.forPort(host, port)]).",
      });
    }
  }

  describe(): string {
    return `all of [${this.strategies.map((s) => s.describe()).join("; ")}]`;
  }

  async waitUntilReady(context: ReadinessContext): Promise<void> {
    const timeoutMs = this.deadlineMs(context);
    const stop = new AbortController();
    const signal = AbortSignal.any([context.signal, stop.signal]);
    const deadline = new Error("forAll deadline");
    const timer = setTimeout(() => stop.abort(deadline), timeoutMs);
    const pending = new Set(this.strategies.map((s) => s.describe()));
    try {
      await Promise.all(
        this.strategies.map(async (strategy) => {
          // Children without their own timeout get a slightly later one, so this deadline (which
          // names everything still missing) is the one that fires.
          await strategy.waitUntilReady({ ...context, signal, inheritedTimeoutMs: timeoutMs + 1_000 });
          pending.delete(strategy.describe());
        }),
      );
    } catch (error) {
      stop.abort(error);
      if (context.signal.aborted) throw context.signal.reason;
      // Our own deadline aborted the children: say so with the numbers and what was still missing.
      if (error === deadline) {
        throw new UserError("READINESS_TIMEOUT", {
          what: `Not ready: ${this.describe()}`,
          why: `still waiting for [${[...pending].join("; ")}] after ${timeoutMs}ms`,
        });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
