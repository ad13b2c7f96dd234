import { resultKey } from "../harness/plan.ts";
import { type RunResult, SCHEMA_VERSION, type ScenarioResult, summarize } from "../harness/results.ts";
import { UserError } from "../lib/errors.ts";

/** One results.json to merge: where it came from (for messages), its run, the version it was written in. */
export interface MergeInput {
  file: string;
  run: RunResult;
  schemaVersion: number;
}

export interface MergedRun {
  run: RunResult;
  /** Shards of the split that no file covered (1-based), when the files are shards. */
  missingShards: number[];
}

/**
 * Joins the results.json of the machines of one CI matrix into one run, for one set of reports.
 * Everything that would make the joined run lie is refused (exit 2) rather than smoothed over:
 * files written in different schema versions, shards of different splits (another plan, another
 * total), the same shard twice, or the same run (scenario × backend × edge × profile × client) in
 * two files. A shard that is missing is not an error (a machine of the matrix may have failed to
 * upload); the caller says which.
 */
export function mergeRuns(inputs: readonly MergeInput[]): MergedRun {
  if (inputs.length === 0) {
    throw new UserError("MERGE_NOTHING", {
      what: "Nothing to merge",
      why: "merge joins the results.json files of several runs, and none was given",
      fix: "Pass the files, e.g. `streamchaos merge shards/*/results.json --out report`.",
    });
  }
  const first = inputs[0]!;
  const otherVersion = inputs.find((input) => input.schemaVersion !== first.schemaVersion);
  if (otherVersion) {
    throw new UserError("MERGE_SCHEMA_MISMATCH", {
      what: "Cannot merge results of different schema versions",
      why: `${first.file} has schemaVersion ${first.schemaVersion}, ${otherVersion.file} has ${otherVersion.schemaVersion}`,
      fix: "Merge the shards of one run, made by one streamchaos version on every machine (pin it in package.json).",
    });
  }
  const missingShards = checkShards(inputs);
  const inconclusive = inputs.find(
    (input) => Boolean(input.run.allowInconclusive) !== Boolean(first.run.allowInconclusive),
  );
  if (inconclusive) {
    throw new UserError("MERGE_SETTINGS_MISMATCH", {
      what: "Cannot merge runs with different --allow-inconclusive",
      why: `${first.file} ${first.run.allowInconclusive ? "allows" : "does not allow"} inconclusive results, ${inconclusive.file} ${inconclusive.run.allowInconclusive ? "does" : "does not"}`,
      fix: "Give every machine of the matrix the same flags.",
    });
  }

  const seen = new Map<string, string>();
  const results: ScenarioResult[] = [];
  for (const input of inputs) {
    for (const result of input.run.results) {
      const key = resultKey(result);
      const other = seen.get(key);
      if (other !== undefined) {
        throw new UserError("MERGE_OVERLAP", {
          what: `${key} is in two of the files to merge`,
          why: `both ${other} and ${input.file} ran it: the files overlap (the same shard twice, or runs that were not split with --shard)`,
          fix: "Merge each shard's results.json once; shards of one split never share a run.",
        });
      }
      seen.set(key, input.file);
      results.push(result);
    }
  }
  // The runner's order (backend, edge, scenario), then profile and client: the same merged file
  // whichever order the shards are given in.
  results.sort(
    (a, b) =>
      a.backend.localeCompare(b.backend) ||
      a.edge.localeCompare(b.edge) ||
      a.scenario.id.localeCompare(b.scenario.id) ||
      (a.profile ?? "").localeCompare(b.profile ?? "") ||
      (a.client ?? "").localeCompare(b.client ?? ""),
  );

  const runs = inputs.map((input) => input.run);
  const startedAt = Math.min(...runs.map((r) => r.startedAt));
  const finishedAt = Math.max(...runs.map((r) => r.finishedAt));
  const interrupted = runs.filter((r) => r.interrupted);
  const bailed = runs.find((r) => r.bailed)?.bailed;
  const run: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: first.run.tool,
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    environment: { ...first.run.environment, merged: inputs.length },
    results,
    summary: summarize(results),
    ...(mergeSetup(runs) ? { setup: mergeSetup(runs)! } : {}),
    ...(first.run.allowInconclusive ? { allowInconclusive: true } : {}),
    ...(interrupted.length
      ? {
          interrupted: {
            reason: interrupted.map((r) => r.interrupted!.reason).join("; "),
            planned: interrupted.reduce((n, r) => n + r.interrupted!.planned, 0),
            notStarted: interrupted.reduce((n, r) => n + r.interrupted!.notStarted, 0),
          },
        }
      : {}),
    ...(bailed ? { bailed } : {}),
  };
  return { run, missingShards };
}

/** Shards must come from one split, each once; returns the shards no file covered. */
function checkShards(inputs: readonly MergeInput[]): number[] {
  const sharded = inputs.filter((input) => input.run.shard);
  if (sharded.length === 0) return [];
  const whole = inputs.find((input) => !input.run.shard);
  if (whole) {
    throw new UserError("MERGE_OVERLAP", {
      what: `${whole.file} is a whole run, the others are shards`,
      why: "a run without --shard covers the whole plan, so it overlaps every shard",
      fix: "Merge only the results.json of the --shard runs of one CI matrix.",
    });
  }
  const base = sharded[0]!;
  const baseShard = base.run.shard!;
  const byIndex = new Map<number, string>();
  for (const input of sharded) {
    const shard = input.run.shard!;
    if (shard.total !== baseShard.total || shard.planHash !== baseShard.planHash) {
      throw new UserError("MERGE_SHARDS_MISMATCH", {
        what: "The shards come from different splits",
        why: `${base.file} is shard ${baseShard.index}/${baseShard.total} of plan ${baseShard.planHash}, ${input.file} is ${shard.index}/${shard.total} of plan ${shard.planHash}`,
        fix: "Give every machine the same config, flags and --previous, and merge the shards of one matrix run.",
      });
    }
    const other = byIndex.get(shard.index);
    if (other !== undefined) {
      throw new UserError("MERGE_OVERLAP", {
        what: `Shard ${shard.index}/${shard.total} is given twice`,
        why: `${other} and ${input.file} are the same share of the plan`,
        fix: "Pass each shard's results.json once (a retried CI job leaves its first attempt's artifact too).",
      });
    }
    byIndex.set(shard.index, input.file);
  }
  return Array.from({ length: baseShard.total }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
}

/** One setup of them all: the first's, with every scenario and cassette any machine ran. */
function mergeSetup(runs: readonly RunResult[]): RunResult["setup"] {
  const setups = runs.flatMap((r) => (r.setup ? [r.setup] : []));
  if (setups.length === 0) return undefined;
  return {
    ...setups[0]!,
    scenarios: Object.assign({}, ...setups.map((s) => s.scenarios)),
    cassettes: Object.assign({}, ...setups.map((s) => s.cassettes)),
  };
}
