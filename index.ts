/**
 * The public API. Everything else is internal and may change.
 */

export type { JournalEntry, Script, StartedFakeProvider } from "./fakes/index.ts";
export { FakeProviderClient, startFakeProvider, validateScript } from "./fakes/index.ts";
export type { CheckContext, CheckDefinition, CheckOutcome, Exchange } from "./harness/checks/check.ts";
export { defineCheck } from "./harness/checks/check.ts";
export type { BackendConfig, EdgeConfig, ResolvedConfig, StreamchaosConfig } from "./harness/config.ts";
export { defineConfig, loadConfigFile, resolveConfig } from "./harness/config.ts";
export type {
  Contract,
  ContractRequest,
  ContractRequestInput,
  ContractView,
} from "./harness/contracts/index.ts";
export { contractPresets, defineContract } from "./harness/contracts/index.ts";
export type { ProbeObservation, ProbeOptions } from "./harness/probe/index.ts";
export { runProbe } from "./harness/probe/index.ts";
export type { CheckResult, Evidence, RunResult, ScenarioResult } from "./harness/results.ts";
export { exitCodeFor, runSuite } from "./harness/runner.ts";
export { startToxiproxyServer, ToxiproxyHops } from "./proxies/toxiproxy/index.ts";
export { createReporters } from "./reports/index.ts";
export type { HopToxic, Scenario, ScenarioRequest, ScriptJson } from "./scenarios/index.ts";
export { defineScenario, loadCatalog } from "./scenarios/index.ts";
