import { AllWaitStrategy } from "./all-wait.ts";
import { type HttpWaitOptions, HttpWaitStrategy } from "./http-wait.ts";
import { LogLineWaitStrategy } from "./log-line-wait.ts";
import { PortWaitStrategy } from "./port-wait.ts";
import type { WaitStrategy } from "./wait-strategy.ts";

/**
 * Readiness strategies, built by static factories (testcontainers' `Wait`), shared by local
 * processes and containers: `Wait.forHttp(url, { path: "/health" }).withTimeout(10_000)`.
 */
export const Wait = {
  forHttp: (url: string, options?: HttpWaitOptions) => new HttpWaitStrategy(url, options),
  forPort: (host: string, port: number) => new PortWaitStrategy(host, port),
  forLogLine: (pattern: RegExp | string, times?: number) =>
    new LogLineWaitStrategy(typeof pattern === "string" ? new RegExp(escapeRegExp(pattern)) : pattern, times),
  forAll: (strategies: WaitStrategy[]) => new AllWaitStrategy(strategies),
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
