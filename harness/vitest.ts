import { describe, expect, test } from "vitest";
import { resolveConfig, type StreamchaosConfig } from "./config.ts";
import { failsRun, type RunResult, type ScenarioResult } from "./results.ts";
import { runSuite } from "./runner.ts";

/**
 * Runs a streamchaos config inside a user's own vitest suite: one test per scenario × backend × edge,
 * failing with the checks' summaries and evidence. The whole run happens once (lanes in parallel);
 * the tests then read their results.
 *
 *   // chat.streaming.test.ts
 *   streamchaosSuite(defineConfig({ backends: [...], scenarios: ["pre-*", "mid-*"] }));
 */
export function streamchaosSuite(config: StreamchaosConfig, options: { timeoutMs?: number } = {}): void {
  const resolved = resolveConfig(config, "streamchaosSuite()");
  let run: Promise<RunResult> | undefined;
  const results = () => (run ??= runSuite({ config: resolved, reporters: [] }));
  describe("streamchaos", () => {
    for (const backend of resolved.backends) {
      for (const edge of resolved.edges) {
        test.concurrent(
          `${backend.name} via ${edge.edge}`,
          async () => {
            const run = await results();
            const mine = run.results.filter((r) => r.backend === backend.name && r.edge === edge.edge);
            expect(mine.length, "scenarios run").toBeGreaterThan(0);
            expect(unexpectedResults(mine, run)).toEqual([]);
          },
          options.timeoutMs ?? 900_000,
        );
      }
    }
  });
}

/**
 * What fails a backend × edge test, one line each: the results that fail the run (failsRun). An
 * inconclusive result is no verdict, so it fails the test too, unless the config allows it.
 */
export function unexpectedResults(
  results: readonly ScenarioResult[],
  run: Pick<RunResult, "allowInconclusive">,
): string[] {
  return results.filter((result) => failsRun(result, run)).map(describeFailure);
}

function describeFailure(result: ScenarioResult): string {
  const checks = result.checks.filter((c) => c.status === "fail").map((c) => `${c.check}: ${c.summary}`);
  const client = result.client && result.client !== "h1" ? ` [${result.client}]` : "";
  return `${result.scenario.id}${client} (${result.status}): ${result.reason ?? checks.join("; ")}`;
}
