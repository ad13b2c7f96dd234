import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfigFile, type ResolvedConfig } from "../../harness/config.ts";
import { resolveClients } from "../../harness/probe/clients.ts";
import type { RunResult } from "../../harness/results.ts";
import { exitCodeFor, runSuite } from "../../harness/runner.ts";
import { UserError } from "../../lib/errors.ts";
import { checkOutputDir, createReporters, readRunResult } from "../../reports/index.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliCommand, CliIO } from "../command.ts";

const USAGE =
  "streamchaos run [--config streamchaos.config.ts] [--edge direct,nginx,caddy] [--client h1,h2,browser] [--scenario GLOB[,GLOB]] [--runtime local|docker] [--reporter console,json,junit,markdown,html] [--lanes N] [--out DIR] [--previous results.json] [--allow-inconclusive]";

export const RUN_OPTIONS = {
  config: { type: "string", short: "c" },
  edge: { type: "string" },
  client: { type: "string" },
  scenario: { type: "string", short: "s" },
  runtime: { type: "string" },
  reporter: { type: "string", short: "r" },
  lanes: { type: "string" },
  out: { type: "string" },
  previous: { type: "string" },
  "allow-inconclusive": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type RunValues = {
  [K in keyof typeof RUN_OPTIONS]?: (typeof RUN_OPTIONS)[K]["type"] extends "string" ? string : boolean;
};

/** Applies command-line overrides on top of a config: flags win over the file. */
export function applyRunFlags(config: ResolvedConfig, values: RunValues): ResolvedConfig {
  const next = { ...config };
  if (values.edge) next.edges = values.edge.split(",").map((edge) => parseEdgeFlag(edge.trim()));
  if (values.client !== undefined) {
    next.clients = resolveClients(values.client);
    next.clientsRequired = true;
  }
  if (values.scenario)
    next.scenarios = values.scenario
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (values.runtime) {
    if (values.runtime !== "local" && values.runtime !== "docker") {
      throw new UserError("CLI_USAGE", {
        what: `Invalid --runtime "${values.runtime}"`,
        why: "the runtimes are local and docker",
        fix: "Pass --runtime local or --runtime docker.",
      });
    }
    next.runtime = values.runtime;
  }
  if (values.reporter)
    next.reporters = values.reporter
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean);
  if (values.lanes) {
    const lanes = Number(values.lanes);
    if (!Number.isInteger(lanes) || lanes < 1 || lanes > 16) {
      throw new UserError("CLI_USAGE", {
        what: `Invalid --lanes "${values.lanes}"`,
        why: "it must be a whole number from 1 to 16",
        fix: "Pass e.g. --lanes 2 (one per core is a good start).",
      });
    }
    next.lanes = lanes;
  }
  if (values.out) next.outDir = resolve(values.out);
  if (values["allow-inconclusive"]) next.allowInconclusive = true;
  return next;
}

/** `nginx`, `nginx:sse-tuned` (a built-in profile) or `nginx=./deploy/nginx.conf` (your own config). */
function parseEdgeFlag(value: string) {
  const [edge, config] = value.split("=", 2) as [string, string | undefined];
  if (config !== undefined) return { edge, config: resolve(config) };
  const [name, profile] = edge.split(":", 2) as [string, string | undefined];
  return profile ? { edge: name, profile } : { edge: name };
}

export async function executeRun(config: ResolvedConfig, values: RunValues, io: CliIO): Promise<number> {
  const reporters = createReporters(config.reporters, { stream: io.stdout, isTTY: Boolean(io.stdout.isTTY) });
  const previous = values.previous ? await readRunResult(resolve(values.previous)) : undefined;
  // A report folder that cannot take the files fails now, not after the whole run.
  if (reporters.some((reporter) => reporter.writesFiles)) await checkOutputDir(config.outDir);
  const run = await runSuite({ config, reporters, signal: io.stopSignal, ...(previous ? { previous } : {}) });
  if (run.interrupted) io.stderr.write(`${describeInterruption(run)}\n`);
  return exitCodeFor(run);
}

const CONFIG_FILES = [
  "streamchaos.config.ts",
  "streamchaos.config.mts",
  "streamchaos.config.js",
  "streamchaos.config.mjs",
  "streamchaos.config.json",
];

/** The config in the working directory, if there is one (`--config` names any other). */
export function findConfigFile(): string | undefined {
  return CONFIG_FILES.find((f) => existsSync(f));
}

/** What a Ctrl-C left: no blame on any backend, only what finished and what did not. */
function describeInterruption(run: RunResult): string {
  const { reason, planned, notStarted } = run.interrupted!;
  const finished = run.results.length - run.summary.interrupted;
  const parts = [`${finished} of ${planned} scenario runs finished`];
  if (run.summary.interrupted) parts.push(`${run.summary.interrupted} cut short (interrupted)`);
  if (notStarted) parts.push(`${notStarted} not started`);
  const reports =
    finished === planned
      ? "; stopped while writing the reports: the file being written was left as it was"
      : run.results.length
        ? "; the reports hold what finished"
        : "";
  return `streamchaos: interrupted (${reason}): ${parts.join(", ")}${reports}.`;
}

const command: CliCommand = {
  name: "run",
  summary: "Run the scenario catalog against your backend(s) behind each edge",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, RUN_OPTIONS, USAGE);
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const path = values.config ?? findConfigFile();
    if (!path) {
      throw new UserError("CONFIG_NOT_FOUND", {
        what: "No config file",
        why: "neither streamchaos.config.ts nor streamchaos.config.json is in this folder",
        fix: "Pass --config PATH, or try `streamchaos demo` to see the bundled reference backends run.",
      });
    }
    const config = applyRunFlags(await loadConfigFile(path), values);
    return executeRun(config, values, io);
  },
};

export default command;
