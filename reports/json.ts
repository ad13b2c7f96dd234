import type { RunResult } from "../harness/results.ts";
import { redactDeep } from "../lib/redact.ts";
import { writeReportFile } from "./internal/output.ts";
import type { FinishOptions, FinishOutput, Reporter } from "./reporter.ts";

export const JSON_FILE = "results.json";

/**
 * The RunResult as it is, every evidence item included, secrets masked: the input of the next
 * run's comparison and of anyone's own tooling. JSON.stringify escapes lone surrogates (ES2019),
 * so raw bytes stay valid JSON.
 */
export function renderJson(run: RunResult): string {
  return `${JSON.stringify(redactDeep(run), null, 2)}\n`;
}

export function createJsonReporter(): Reporter {
  return {
    name: "json",
    writesFiles: true,
    async onFinish(run: RunResult, options: FinishOptions): Promise<FinishOutput> {
      return { files: [await writeReportFile("json", options.outDir, JSON_FILE, renderJson(run), options)] };
    },
  };
}
