/**
 * What the runner tells whoever watches a run: the plan, each scenario as it starts and ends, the
 * finished run. reports/ implements it; the runner only ever calls it.
 */

import type { ProbeClientName } from "./probe/observation.ts";
import type { RunResult, ScenarioResult } from "./results.ts";

/** What the runner is about to do, so a live reporter can say "12/40". */
export interface RunPlan {
  scenarios: number;
  edges: string[];
  backends: string[];
  /** Scenario results expected in all (scenarios x backends x edges, minus combinations not run). */
  total: number;
}

export interface FinishOptions {
  /** Folder for file reporters; created if missing. Console ignores it. */
  outDir?: string;
  /** The last run, for "changes since last run" (reports/load.ts reads one from results.json). */
  previous?: RunResult;
  /** Aborted while a file is written (Ctrl-C): that file is left as it was, and the writing stops. */
  signal?: AbortSignal;
}

export interface FinishOutput {
  /**
   * Absolute or outDir-relative paths of the files written, in the order written; a path ending in
   * "/" is a folder of files that belong together (the HTML report's evidence files).
   */
  files: string[];
}

/** A scenario a lane is about to run, for "current scenario" in live output. */
export interface ScenarioStart {
  id: string;
  title: string;
  backend: string;
  edge: string;
  profile?: string;
  /** The client making the requests (h1 when absent). */
  client?: ProbeClientName;
  lane: number;
}

/**
 * A reporter reads RunResult (harness/results.ts) and nothing else. onStart/onResult are for live
 * output and optional; onFinish gets the whole run, so file reporters need no state of their own.
 */
export interface Reporter {
  readonly name: string;
  /** Writes files into FinishOptions.outDir: the CLI checks that folder before the run starts. */
  readonly writesFiles?: boolean;
  onStart?(plan: RunPlan): void;
  /** Optional: the runner calls it before a lane starts a scenario; onResult ends it. */
  onScenarioStart?(scenario: ScenarioStart): void;
  onResult?(result: ScenarioResult): void;
  onFinish(run: RunResult, options: FinishOptions): Promise<FinishOutput>;
}
