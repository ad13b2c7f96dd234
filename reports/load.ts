import { readFile } from "node:fs/promises";
import { z } from "zod";
import type { RunResult } from "../harness/results.ts";
import { UserError } from "../lib/errors.ts";

const status = z.enum(["pass", "fail", "error", "skipped"]);

// Only what compare and the reporters rely on is checked; extra fields (added later, schema rule
// in harness/results.ts) are kept as they are.
const runShape = z.object({
  schemaVersion: z.literal(1),
  startedAt: z.number(),
  results: z.array(
    z.object({
      scenario: z.object({ id: z.string(), title: z.string() }),
      backend: z.string(),
      edge: z.string(),
      profile: z.string().optional(),
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
    const wrongVersion = version !== undefined && version !== 1;
    throw new UserError("REPORT_PREVIOUS_INVALID", {
      what: `The ${what} ${path} is not a streamchaos RunResult`,
      why: wrongVersion
        ? `its schemaVersion is ${JSON.stringify(version)}, this version reads 1`
        : parsed.error.issues
            .slice(0, 3)
            .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
            .join("; "),
      fix: wrongVersion
        ? "Compare against a run made by the same streamchaos version, or re-run the baseline."
        : "Point it at a results.json written by the json reporter of an earlier run.",
    });
  }
  return data as RunResult;
}
