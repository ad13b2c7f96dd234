import { UserError } from "../lib/errors.ts";
import { didYouMean } from "../lib/suggest.ts";
import { createConsoleReporter } from "./console.ts";
import { createGithubReporter } from "./github.ts";
import { createHtmlReporter } from "./html.ts";
import { createJsonReporter } from "./json.ts";
import { createJunitReporter } from "./junit.ts";
import { createMarkdownReporter } from "./markdown.ts";
import type { Reporter, ReporterFactory, ReporterOptions } from "./reporter.ts";

export { compareRuns, type RunComparison } from "./compare.ts";
export { checkOutputDir } from "./internal/output.ts";
export { readRunFile, readRunResult } from "./load.ts";
export { type MergedRun, type MergeInput, mergeRuns } from "./merge.ts";
export { parseReporterOptions, REPORTER_OPTIONS } from "./options.ts";
export type {
  FinishOptions,
  FinishOutput,
  Reporter,
  ReporterFactory,
  ReporterOptions,
  RunPlan,
  ScenarioStart,
} from "./reporter.ts";

/** The reporter registry: adding a reporter is adding a file and one line here. */
export const reporters: Record<string, ReporterFactory> = {
  console: createConsoleReporter,
  json: () => createJsonReporter(),
  junit: () => createJunitReporter(),
  markdown: (options) => createMarkdownReporter(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
  html: () => createHtmlReporter(),
  github: createGithubReporter,
};

/** Builds the named reporters (e.g. from `--reporter console,junit`), rejecting unknown or repeated names. */
export function createReporters(names: readonly string[], options: ReporterOptions): Reporter[] {
  const seen = new Set<string>();
  const created: Reporter[] = [];
  for (const raw of names) {
    const name = raw.trim();
    const factory = Object.hasOwn(reporters, name) ? reporters[name] : undefined;
    if (!factory) {
      throw new UserError("REPORTER_UNKNOWN", {
        what: `Unknown reporter "${name}"`,
        why: `the known reporters are ${Object.keys(reporters).join(", ")}${didYouMean(name, Object.keys(reporters))}`,
        fix: "Pass one or more of them, comma-separated, e.g. --reporter console,junit.",
      });
    }
    if (seen.has(name)) {
      throw new UserError("REPORTER_REPEATED", {
        what: `Reporter "${name}" is listed twice`,
        why: "each file reporter writes one file, so a second copy would overwrite the first",
        fix: "List each reporter once.",
      });
    }
    seen.add(name);
    created.push(factory(options));
  }
  return created;
}
