import { readFile } from "node:fs/promises";
import { z } from "zod";
import {
  type RunResult,
  SCENARIO_STATUSES,
  SCHEMA_VERSION,
  type ScenarioStatus,
  summarize,
} from "../harness/results.ts";
import { UserError } from "../lib/errors.ts";

const status = z.enum(SCENARIO_STATUSES as [ScenarioStatus, ...ScenarioStatus[]]);
/** Version 1 is version 2 without the inconclusive, not-applicable and interrupted statuses. */
const READABLE_VERSIONS = [1, SCHEMA_VERSION] as const;

// Only what compare and the reporters rely on is checked; extra fields (added later, schema rule
// in harness/results.ts) are kept as they are.
const runShape = z.object({
  schemaVersion: z.union(READABLE_VERSIONS.map((v) => z.literal(v))),
  startedAt: z.number(),
  results: z.array(
    z.object({
      scenario: z.object({ id: z.string(), title: z.string() }),
      backend: z.string(),
      edge: z.string(),
      profile: z.string().optional(),
      client: z.enum(["h1", "h2", "browser"]).optional(),
      status,
      checks: z.array(z.object({ check: z.string(), status: z.string(), summary: z.string() })),
    }),
  ),
});

/**
 * Reads a results.json written by the json reporter, e.g. the last run for "changes since last run";
 * `what` names it in errors ("previous run", "run to reproduce").
 */
export async function readRunResult(path: string, what = "previous run"): Promise<RunResult> {
  return (await readRunFile(path, what)).run;
}

/**
 * readRunResult, with the schemaVersion the file was written in (the run itself comes in the
 * current shape): `merge` refuses to join files of different versions.
 */
export async function readRunFile(
  path: string,
  what = "previous run",
): Promise<{ run: RunResult; schemaVersion: number }> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown";
    throw new UserError("REPORT_PREVIOUS_UNREADABLE", {
      what: `Cannot read the ${what} ${path}`,
      why: `${code}: ${error instanceof Error ? error.message : String(error)}`,
      fix: "Point it at a results.json written by the json reporter of an earlier run.",
      cause: error,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UserError("REPORT_PREVIOUS_INVALID", {
      what: `The ${what} ${path} is not JSON`,
      why: error instanceof Error ? error.message : String(error),
      fix: "Point it at a results.json written by the json reporter of an earlier run.",
      cause: error,
    });
  }
  const parsed = runShape.safeParse(data);
  if (!parsed.success) {
    const version = (data as { schemaVersion?: unknown } | null)?.schemaVersion;
    const wrongVersion = version !== undefined && !READABLE_VERSIONS.some((readable) => readable === version);
    throw new UserError("REPORT_PREVIOUS_INVALID", {
      what: `The ${what} ${path} is not a streamchaos RunResult`,
      why: wrongVersion
        ? `its schemaVersion is ${JSON.stringify(version)}, this version reads ${READABLE_VERSIONS.join(" and ")}`
        : parsed.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
            .join("; "),
      fix: wrongVersion
        ? "Compare against a run made by the same streamchaos version, or re-run the baseline."
        : "Point it at a results.json written by the json reporter of an earlier run.",
    });
  }
  const run = data as RunResult;
  const schemaVersion = run.schemaVersion as number;
  // A version 1 file counts no inconclusive, not-applicable or interrupted results: recount it in
  // the current shape, so a reporter reading its summary finds every count.
  if (schemaVersion === 1)
    return { run: { ...run, schemaVersion: SCHEMA_VERSION, summary: summarize(run.results) }, schemaVersion };
  return { run, schemaVersion };
}
