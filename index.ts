/**
 * The public API of `streamchaos`: what a config, a scenario, a check or a contract is written
 * against, and a way to run a suite from code. Everything not exported here is internal and may
 * change between any two versions. The fake providers on their own are `streamchaos/fakes`; the
 * vitest entry is `streamchaos/vitest`.
 */
import type { StreamchaosConfig } from "./harness/config.ts";
import { resolveConfig } from "./harness/config.ts";
import type { RunResult } from "./harness/results.ts";
import { exitCodeFor, runSuite as runResolvedSuite } from "./harness/runner.ts";
import { checkOutputDir, createReporters } from "./reports/index.ts";

// ---- the fake providers --------------------------------------------------------------------------
export type { JournalEntry, Script, StartedFakeProvider } from "./fakes/index.ts";
export { startFakeProvider } from "./fakes/index.ts";
// ---- checks: pure functions from what was observed to a verdict -----------------------------------
export type { CheckContext, CheckDefinition, CheckOutcome, Exchange } from "./harness/checks/check.ts";
export { defineCheck } from "./harness/checks/check.ts";
// ---- config --------------------------------------------------------------------------------------
export type { BackendConfig, EdgeConfig, ServiceConfig, StreamchaosConfig } from "./harness/config.ts";
export { defineConfig } from "./harness/config.ts";
// ---- contracts: how a backend's endpoint speaks ---------------------------------------------------
export type {
  Contract,
  ContractRequest,
  ContractRequestInput,
  ContractView,
} from "./harness/contracts/index.ts";
export { contractPresets, defineContract } from "./harness/contracts/index.ts";
export type { ProbeObservation } from "./harness/probe/index.ts";

// ---- results -------------------------------------------------------------------------------------
export type {
  CheckHop,
  CheckResult,
  Evidence,
  HopEnd,
  HopFramingRecord,
  HopRecord,
  RunResult,
  ScenarioResult,
  ScenarioStatus,
} from "./harness/results.ts";
// ---- scenarios -----------------------------------------------------------------------------------
export type { CheckRef, Hop, HopToxic, Scenario, ScenarioRequest, ScriptJson } from "./scenarios/index.ts";
export { defineScenario } from "./scenarios/index.ts";

export interface RunSuiteOptions {
  /** Reporter names, as `--reporter` takes them (default: the config's, else none). */
  reporters?: string[];
  /** Where file reporters write (default: the config's `outDir`, else `.streamchaos/report`). */
  outDir?: string;
  /** Aborting it stops the run and tears everything down. */
  signal?: AbortSignal;
  /** The last run's results, for "changes since last run" in the reports. */
  previous?: RunResult;
}

/**
 * Runs a config's scenarios against its backends behind each edge and resolves with the results
 * (`exitCode` is what `streamchaos run` would exit with). A bad config rejects with an error whose
 * `code` says what is wrong, before anything starts.
 */
export async function runSuite(
  config: StreamchaosConfig,
  options: RunSuiteOptions = {},
): Promise<RunResult & { exitCode: number }> {
  const resolved = resolveConfig(
    { ...config, ...(options.outDir ? { outDir: options.outDir } : {}) },
    "runSuite()",
  );
  const reporters = createReporters(options.reporters ?? (config.reporters ? resolved.reporters : []), {
    stream: process.stdout,
    isTTY: Boolean(process.stdout.isTTY),
  });
  if (reporters.some((reporter) => reporter.writesFiles)) await checkOutputDir(resolved.outDir);
  const run = await runResolvedSuite({
    config: resolved,
    reporters,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.previous ? { previous: options.previous } : {}),
  });
  return { ...run, exitCode: exitCodeFor(run) };
}
