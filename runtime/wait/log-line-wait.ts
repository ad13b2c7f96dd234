import type { LogLine } from "../logs/log-lines.ts";
import { PollingWaitStrategy, type ReadinessContext } from "./wait-strategy.ts";

/**
 * Ready when a log line (stdout or stderr) matches, `times` times. Lines written before the wait began
 * count too: a fast process may print its banner before anyone listens.
 */
export class LogLineWaitStrategy extends PollingWaitStrategy {
  constructor(
    readonly pattern: RegExp,
    readonly times = 1,
  ) {
    super();
  }

  describe(): string {
    return `log line matching ${this.pattern}${this.times > 1 ? ` ${this.times} times` : ""}`;
  }

  protected timeoutWhy(timeoutMs: number): string {
    return `log line matching ${this.pattern} not seen${this.times > 1 ? ` ${this.times} times` : ""} after ${timeoutMs}ms`;
  }

  // One attempt counts what is there, then sleeps until the next matching line (or the deadline/exit),
  // so readiness is noticed the moment the line arrives rather than at the next poll.
  protected attempt(context: ReadinessContext): Promise<boolean> {
    let count = context.logs.logs().filter((l: LogLine) => this.matches(l.line)).length;
    if (count >= this.times) return Promise.resolve(true);
    this.lastProblem = `${count} matching line(s) so far`;
    return new Promise((resolve) => {
      const finish = (ready: boolean) => {
        unsubscribe();
        context.signal.removeEventListener("abort", onAbort);
        resolve(ready);
      };
      const onAbort = () => finish(false);
      const unsubscribe = context.logs.onLine((l) => {
        if (this.matches(l.line) && ++count >= this.times) finish(true);
      });
      context.signal.addEventListener("abort", onAbort, { once: true });
      if (context.signal.aborted) finish(false);
    });
  }

  private matches(line: string): boolean {
    this.pattern.lastIndex = 0;
    return this.pattern.test(line);
  }
}
