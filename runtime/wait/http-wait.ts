import { request } from "node:http";
import { UserError } from "../../lib/errors.ts";
import { PollingWaitStrategy, type ReadinessContext } from "./wait-strategy.ts";

export interface HttpWaitOptions {
  /** Status that means ready (default 200), or several. */
  status?: number | number[];
  /** Path resolved against the URL, e.g. `/health`. */
  path?: string;
  method?: string;
}

/** Ready when a GET answers the expected status; any other status or a refused connection means "not yet". */
export class HttpWaitStrategy extends PollingWaitStrategy {
  readonly url: URL;
  readonly statuses: number[];
  readonly method: string;

  constructor(url: string, options: HttpWaitOptions = {}) {
    super();
    let parsed: URL;
    try {
      parsed = options.path === undefined ? new URL(url) : new URL(options.path, url);
    } catch (cause) {
      throw new UserError("READINESS_INVALID_URL", {
        what: `Invalid readiness URL "${url}"${options.path ? ` with path "${options.path}"` : ""}`,
        fix: "Use an absolute http:// URL such as http://127.0.0.1:8000/health.",
        cause,
      });
    }
    if (parsed.protocol !== "http:") {
      throw new UserError("READINESS_INVALID_URL", {
        what: `Readiness URL "${parsed.href}" is not http://`,
        fix: "Local boxes serve plain HTTP on loopback; use an http:// URL.",
      });
    }
    this.url = parsed;
    this.statuses = options.status === undefined ? [200] : [options.status].flat();
    this.method = options.method ?? "GET";
    this.pollMs = 100;
  }

  describe(): string {
    return `${this.method} ${this.url.href} answering ${this.statuses.join(" or ")}`;
  }

  protected timeoutWhy(timeoutMs: number): string {
    return `${this.method} ${this.url.href} did not answer ${this.statuses.join(" or ")} after ${timeoutMs}ms`;
  }

  protected attempt(context: ReadinessContext, remainingMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const req = request(this.url, {
        method: this.method,
        agent: false,
        signal: context.signal,
        timeout: Math.max(1, Math.min(2_000, remainingMs)),
      });
      req.on("response", (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (this.statuses.includes(status)) resolve(true);
        else {
          this.lastProblem = `status ${status}`;
          resolve(false);
        }
      });
      req.on("timeout", () => {
        this.lastProblem = "no response within the attempt's timeout";
        req.destroy();
      });
      req.on("error", (error: NodeJS.ErrnoException) => {
        if (error.name !== "AbortError") this.lastProblem = error.code ?? error.message;
        resolve(false);
      });
      req.end();
    });
  }
}
