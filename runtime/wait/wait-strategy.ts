import { delay } from "../../lib/clock.ts";
import { UserError } from "../../lib/errors.ts";
import type { LogSource } from "../logs/log-lines.ts";

export const DEFAULT_READINESS_TIMEOUT_MS = 30_000;

/** What a strategy may look at while it waits: the process's live log, and a signal that fires on early exit. */
export interface ReadinessContext {
  signal: AbortSignal;
  logs: LogSource;
  /** Deadline for a strategy without its own `withTimeout` (forAll passes its own down). */
  inheritedTimeoutMs?: number;
}

export interface WaitStrategy {
  readonly timeoutMs: number;
  /** Whether `withTimeout` was called (forAll lets children without one share its deadline). */
  readonly hasExplicitTimeout: boolean;
  /** e.g. `GET http://127.0.0.1:4123/health answering 200`. */
  describe(): string;
  withTimeout(ms: number): this;
  /** Resolves when ready; rejects with READINESS_TIMEOUT, or with the signal's reason when aborted. */
  waitUntilReady(context: ReadinessContext): Promise<void>;
}

/**
 * A strategy's own deadline: `withTimeout`, or the one inherited from forAll when none was given.
 */
export abstract class TimedWaitStrategy implements WaitStrategy {
  #timeoutMs = DEFAULT_READINESS_TIMEOUT_MS;
  #explicit = false;

  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  get hasExplicitTimeout(): boolean {
    return this.#explicit;
  }

  withTimeout(ms: number): this {
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new UserError("READINESS_INVALID_TIMEOUT", {
        what: `Invalid readiness timeout ${ms}`,
        fix: "Pass a positive number of milliseconds.",
      });
    }
    this.#timeoutMs = ms;
    this.#explicit = true;
    return this;
  }

  /** The deadline that applies in this context. */
  protected deadlineMs(context: ReadinessContext): number {
    return this.#explicit ? this.#timeoutMs : (context.inheritedTimeoutMs ?? this.#timeoutMs);
  }

  abstract describe(): string;
  abstract waitUntilReady(context: ReadinessContext): Promise<void>;
}

/**
 * Shared polling: a subclass only says how to check once (`attempt`) and what to say when it never
 * succeeded (`timeoutWhy`). Attempts repeat every `pollMs` until the deadline.
 */
export abstract class PollingWaitStrategy extends TimedWaitStrategy {
  protected pollMs = 50;
  /** The most recent reason an attempt failed, quoted in the timeout error. */
  protected lastProblem: string | undefined;

  protected abstract timeoutWhy(timeoutMs: number): string;
  /** One check: true when ready. May set `lastProblem`. `signal` aborts on deadline or exit. */
  protected abstract attempt(context: ReadinessContext, remainingMs: number): Promise<boolean>;

  async waitUntilReady(context: ReadinessContext): Promise<void> {
    const started = performance.now();
    const timeoutMs = this.deadlineMs(context);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error("deadline")), timeoutMs);
    const signal = AbortSignal.any([context.signal, deadline.signal]);
    try {
      while (true) {
        if (context.signal.aborted) throw context.signal.reason;
        const remaining = timeoutMs - (performance.now() - started);
        if (remaining <= 0 || deadline.signal.aborted) break;
        if (await this.attempt({ ...context, signal }, remaining)) return;
        try {
          await delay(this.pollMs, signal);
        } catch {
          // Deadline or exit: the loop head decides which.
        }
      }
      if (context.signal.aborted) throw context.signal.reason;
      throw this.timeoutError(timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  protected timeoutError(timeoutMs: number): UserError {
    return new UserError("READINESS_TIMEOUT", {
      what: `Not ready: ${this.describe()}`,
      why: this.timeoutWhy(timeoutMs) + (this.lastProblem ? ` (last: ${this.lastProblem})` : ""),
    });
  }
}
