import { describe, test } from "vitest";
import { loadRunCatalog } from "./catalog.ts";
import { resolveConfig, type StreamchaosConfig } from "./config.ts";
import { type PlannedRun, parseShard, planRuns, resultKey, selectRunScenarios, selectRuns } from "./plan.ts";
import { failsRun, type RunResult, type ScenarioResult } from "./results.ts";
import { runSuite } from "./runner.ts";

export interface SuiteOptions {
  /** Per test; the first test to run waits for the whole run (lanes in parallel). Default 15 min. */
  timeoutMs?: number;
  /**
   * `"2/4"`: only this share of the plan, split as `streamchaos run --shard` splits it. vitest's own
   * `--shard` deals out test files, so a plan too big for one machine goes in several files, one
   * share each (README, "From your own vitest suite").
   */
  shard?: string;
}

/**
 * Runs a streamchaos config inside a user's own vitest suite: one test per scenario × backend × edge
 * (profile) [× client], named `<scenario> [<backend> via <edge>:<profile>]`, so `-t mid-` keeps the
 * mid-stream ones and vitest's JUnit has a row per scenario. The run happens once, when the first
 * test starts, and covers only the tests vitest kept (after `-t`, `.only`); each test then reads
 * its result and fails with the verdict's why and its evidence.
 *
 *   // chat.streaming.test.ts
 *   streamchaosSuite(defineConfig({ backends: [...], scenarios: ["pre-*", "mid-*"] }));
 */
export function streamchaosSuite(config: StreamchaosConfig, options: SuiteOptions = {}): void {
  const resolved = resolveConfig(config, "streamchaosSuite()");
  const shard = options.shard === undefined ? undefined : parseShard(options.shard);
  describe("streamchaos", async () => {
    // The plan as the runner will make it: a bad glob, scenario file or cassette fails collection.
    const catalog = await loadRunCatalog(resolved);
    const { scenarios, replayed } = selectRunScenarios(catalog.scenarios, resolved);
    const plan = selectRuns(planRuns(resolved, scenarios, replayed), shard ? { shard } : {});
    const keyOf = new Map<string, string>();
    for (const planned of plan.runs) keyOf.set(testName(planned), planned.key);
    let run: Promise<RunResult> | undefined;
    for (const planned of plan.runs) {
      test(
        testName(planned),
        async (context) => {
          run ??= runSuite({
            config: resolved,
            reporters: [],
            only: keptKeys(context.task, keyOf),
            ...(shard ? { shard } : {}),
          });
          const finished = await run;
          const result = finished.results.find((r) => resultKey(r) === planned.key);
          if (!result) throw new Error(`streamchaos gave no result for ${planned.key}`);
          const failure = describeFailure(result, finished);
          if (failure) throw new StreamchaosVerdict(failure);
        },
        options.timeoutMs ?? 900_000,
      );
    }
  });
}

/** A failed verdict as a test failure: its message is the report, a stack would only add noise. */
class StreamchaosVerdict extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamchaosVerdict";
    this.stack = `${this.name}: ${message}`;
  }
}

/** `mid-connection-rst [node-openai via nginx:sse-tuned]`, `, h2]` for a client. */
export function testName(planned: Omit<PlannedRun, "client"> & { client?: string }): string {
  const profile = planned.edge.config ? "custom" : (planned.profile ?? "default");
  // h1 is the default: a run of h1 alone keeps the names its test history has.
  const client = planned.client && planned.client !== "h1" ? `, ${planned.client}` : "";
  return `${planned.scenario.id} [${planned.backend.name} via ${planned.edge.edge}:${profile}${client}]`;
}

interface TaskLike {
  suite?: { tasks: ReadonlyArray<{ type: string; mode: string; name: string }> };
}

/** The keys of the tests vitest will run in this suite: -t, .only and .skip already applied. */
function keptKeys(task: TaskLike, keyOf: ReadonlyMap<string, string>): Set<string> {
  const kept = new Set<string>();
  for (const sibling of task.suite?.tasks ?? []) {
    if (sibling.type !== "test" || (sibling.mode !== "run" && sibling.mode !== "only")) continue;
    const key = keyOf.get(sibling.name);
    if (key) kept.add(key);
  }
  return kept;
}

/**
 * Why a result fails its test, or undefined: what fails the run (failsRun) fails the test. The
 * verdict's why (the failing deciding checks' summaries, or the reason for an error or an
 * inconclusive result), then each failing check's evidence, control bytes made visible.
 */
export function describeFailure(
  result: ScenarioResult,
  run: Pick<RunResult, "allowInconclusive">,
): string | undefined {
  if (!failsRun(result, run)) return undefined;
  const lines = [`${result.status}: ${verdictWhy(result)}`];
  for (const check of result.checks.filter((c) => c.status === "fail")) {
    lines.push(`  ${check.check}${check.hop?.origin ? ` (hop ${check.hop.origin})` : ""}`);
    for (const evidence of check.evidence) {
      const at = evidence.t === undefined ? "" : ` t+${(evidence.t - result.startedAt).toFixed(1)}ms`;
      lines.push(`    [${evidence.kind}] ${evidence.label}${at}: ${visible(evidence.value)}`);
    }
  }
  return lines.join("\n");
}

function verdictWhy(result: ScenarioResult): string {
  const failing = result.checks.filter((c) => c.status === "fail");
  return (
    result.reason ??
    (failing.map((c) => `${c.check}: ${c.summary}`).join("; ") || "no failing check recorded")
  );
}

/** Evidence one screen long, with CR, LF, NUL and ESC written out rather than acted on. */
function visible(text: string): string {
  const shown =
    text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars, all in results.json)` : text;
  return shown.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    const named: Record<string, string> = { "\r": "\\r", "\n": "\\n", "\t": "\\t", "\u0000": "\\0" };
    return named[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
  });
}

/** What fails the tests of some results, one line each (kept for callers of the earlier entry). */
export function unexpectedResults(
  results: readonly ScenarioResult[],
  run: Pick<RunResult, "allowInconclusive">,
): string[] {
  return results
    .filter((result) => failsRun(result, run))
    .map((result) => {
      const client = result.client && result.client !== "h1" ? ` [${result.client}]` : "";
      return `${result.scenario.id}${client} (${result.status}): ${verdictWhy(result)}`;
    });
}
