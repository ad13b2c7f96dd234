import { appendFile } from "node:fs/promises";
import { isAbsolute, relative } from "node:path";
import { failsRun, type RunResult, type ScenarioResult } from "../harness/results.ts";
import { UserError } from "../lib/errors.ts";
import { verdictChecks } from "./internal/matrix.ts";
import { printable } from "./internal/text.ts";
import { edgeOf, groupFailures, renderMarkdown } from "./markdown.ts";
import type { FinishOptions, FinishOutput, Reporter, ReporterOptions } from "./reporter.ts";

/** GitHub shows at most 10 error annotations per step; more are dropped without a word. */
export const DEFAULT_MAX_ANNOTATIONS = 10;
const MESSAGE_MAX = 1_000;

/**
 * Workflow commands for a GitHub Actions job: one `::error` per scenario × backend that fails the
 * run (every edge it failed on in the title, each edge's verdict in the message, the scenario's
 * file when it is in the repository), at most `max`, then one line saying how many more.
 */
export function githubAnnotations(run: RunResult, max = DEFAULT_MAX_ANNOTATIONS): string[] {
  const groups = groupFailures(run.results.filter((result) => failsRun(result, run)));
  const lines = groups.slice(0, max).map((group) => annotation(group, run));
  if (groups.length > max) {
    lines.push(
      `::warning title=${property(`streamchaos: ${groups.length - max} more failing scenarios`)}::${data(
        "Not annotated (GitHub shows 10 errors a step): see the job summary, summary.md or report.html.",
      )}`,
    );
  }
  return lines;
}

function annotation(group: readonly ScenarioResult[], run: RunResult): string {
  const first = group[0]!;
  const edges = group.map(edgeOf).join(", ");
  const verb = first.status === "fail" ? "failed" : first.status;
  const title = `streamchaos: ${first.scenario.id} ${verb} on ${first.backend} via ${edges}`;
  const message = group
    .map((result) => `${edgeOf(result)}: ${why(result)}`)
    .join("\n")
    .concat(`\n${first.scenario.title} (${first.scenario.incident})`);
  const cut = message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 1)}…` : message;
  const file = repositoryFile(run.setup?.scenarios[first.scenario.id]?.source?.file);
  return `::error ${file ? `file=${property(file)},` : ""}title=${property(title)}::${data(cut)}`;
}

function why(result: ScenarioResult): string {
  if (result.reason) return printable(result.reason);
  const checks = verdictChecks(result).map(
    (check) =>
      `${check.check}${check.hop?.origin ? ` (hop ${check.hop.origin})` : ""}: ${printable(check.summary)}`,
  );
  return checks.join("; ") || "no failing check recorded";
}

/** A scenario file inside the working directory (the checkout), relative: an annotation on it. */
function repositoryFile(file: string | undefined): string | undefined {
  if (!file || !isAbsolute(file)) return undefined;
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") || rel.includes("node_modules") ? undefined : rel;
}

/** Workflow command message: %, CR and LF escaped, as @actions/core does. */
function data(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Workflow command property: also `:` and `,`, which end a property. */
function property(text: string): string {
  return data(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/**
 * `--reporter github`: the annotations on the reporter's stream (stdout, where the runner reads
 * workflow commands) and summary.md appended to the job summary ($GITHUB_STEP_SUMMARY). Outside
 * Actions, where that variable is unset, it stops the run before it starts: asking for a job summary
 * where there is none is a setup mistake.
 */
export function createGithubReporter(options: ReporterOptions): Reporter {
  const env = options.env ?? process.env;
  const summaryFile = env.GITHUB_STEP_SUMMARY;
  if (!summaryFile) {
    throw new UserError("REPORTER_GITHUB_NO_SUMMARY", {
      what: "--reporter github needs GitHub Actions",
      why: "GITHUB_STEP_SUMMARY is not set, so there is no job summary to write",
      fix: "Use it in a workflow step, or use --reporter markdown for summary.md elsewhere.",
    });
  }
  return {
    name: "github",
    async onFinish(run: RunResult, finish: FinishOptions): Promise<FinishOutput> {
      for (const line of githubAnnotations(run, options.maxAnnotations)) options.stream.write(`${line}\n`);
      const summary = renderMarkdown(run, {
        ...(finish.previous ? { previous: finish.previous } : {}),
        ...(options.reportUrl ? { reportUrl: options.reportUrl } : {}),
        // The job summary's limit is 1 MiB, not a comment's 64 KiB: more evidence fits.
        limit: 1_000_000,
      });
      await appendFile(summaryFile, summary);
      return { files: [summaryFile] };
    },
  };
}
