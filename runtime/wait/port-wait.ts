import { connect } from "node:net";
import { hostPort } from "../../lib/net.ts";
import { PollingWaitStrategy, type ReadinessContext } from "./wait-strategy.ts";

/** Ready when a TCP connect succeeds (the connection is closed at once). */
export class PortWaitStrategy extends PollingWaitStrategy {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super();
  }

  describe(): string {
    return `TCP ${hostPort(this.host, this.port)} accepting connections`;
  }

  protected timeoutWhy(timeoutMs: number): string {
    return `${hostPort(this.host, this.port)} did not accept a TCP connection after ${timeoutMs}ms`;
  }

  protected attempt(context: ReadinessContext): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: this.host, port: this.port });
      const onAbort = () => socket.destroy();
      context.signal.addEventListener("abort", onAbort, { once: true });
      const done = (ready: boolean) => {
        context.signal.removeEventListener("abort", onAbort);
        socket.destroy();
        resolve(ready);
      };
      socket.once("connect", () => done(true));
      socket.once("error", (error: NodeJS.ErrnoException) => {
        this.lastProblem = error.code ?? error.message;
        done(false);
      });
      socket.once("close", () => done(false));
    });
  }
}
