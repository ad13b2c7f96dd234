import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { loadConfigFile, type ResolvedConfig } from "../../harness/config.ts";
import { parseShard, type Shard } from "../../harness/plan.ts";
import { resolveClients } from "../../harness/probe/clients.ts";
import type { RunResult } from "../../harness/results.ts";
import { exitCodeFor, runSuite } from "../../harness/runner.ts";
import { UserError } from "../../lib/errors.ts";
import {
  checkOutputDir,
  createReporters,
  reporters as knownReporters,
  parseReporterOptions,
  REPORTER_OPTIONS,
  type Reporter,
  type ReporterOptions,
  readRunResult,
} from "../../reports/index.ts";
import type { CliCommand, CliIO } from "../command.ts";
import { type CommandSpec, type Flag, type FlagValues, parseCommand, synopsis } from "../flags.ts";

/** Where reports go and what they compare with: `run`, `demo` and `merge` share these. */
export const REPORT_FLAGS = [
  {
    name: "reporter",
    short: "r",
    type: "string",
    value: "NAME[,NAME]",
    default: "the config's reporters, else console",
    description: `what to write: ${Object.keys(knownReporters).join(", ")}`,
    example: "--reporter console,junit,markdown,html",
  },
  {
    name: "out",
    type: "string",
    value: "DIR",
    default: "the config's outDir, else .streamchaos/report",
    description: "folder for the report files, created if missing",
    example: "--out streamchaos-report",
  },
  {
    name: "previous",
    type: "string",
    value: "FILE",
    default: "none",
    description: 'results.json of an earlier run: "changes since last run", and durations for --shard',
    example: "--previous main-results/results.json",
  },
  {
    name: "report-url",
    type: "string",
    value: "URL",
    default: "none",
    description: "where the HTML report will be published: summary.md and the job summary link to it",
    example: '--report-url "$RUN_URL/artifacts"',
  },
  {
    name: "reporter-option",
    type: "string",
    multiple: true,
    value: "KEY=VALUE",
    default: "none",
    description: `a reporter's option, repeatable: ${REPORTER_OPTIONS.map((o) => `${o.name}=${o.value} (${o.reporters.join(", ")})`).join(", ")}`,
    example: "--reporter-option max-annotations=20",
  },
] as const satisfies readonly Flag[];

export const RUN_FLAGS = [
  {
    name: "config",
    short: "c",
    type: "string",
    value: "FILE",
    default: "streamchaos.config.ts, .mts or .json in this folder",
    description: "the config: backends, edges, scenarios, reporters",
    example: "--config ci/streamchaos.config.ts",
  },
  {
    name: "scenario",
    short: "s",
    type: "string",
    value: "GLOB[,GLOB]",
    default: "the config's scenarios, else every one",
    description: "scenario ids or globs to run (arguments are globs too)",
    example: "--scenario 'pre-*,mid-connection-*'",
  },
  {
    name: "edge",
    type: "string",
    value: "EDGE[,EDGE]",
    default: "the config's edges, else direct",
    description: "direct, nginx, caddy; EDGE:PROFILE for a built-in profile, EDGE=FILE for your own config",
    example: "--edge direct,nginx:sse-tuned,nginx=./deploy/nginx.conf",
  },
  {
    name: "client",
    type: "string",
    value: "CLIENT[,CLIENT]",
    default: "the config's clients, else h1",
    description:
      "h1 (HTTP/1.1 cleartext), h2 (HTTP/2 over TLS), browser (headless Chromium's fetch()); a list is a matrix dimension",
    example: "--client h1,h2,browser",
  },
  {
    name: "runtime",
    type: "string",
    value: "local|docker",
    default: "the config's runtime, else local",
    description: "processes on loopback, or containers",
    example: "--runtime docker",
  },
  {
    name: "lanes",
    type: "string",
    value: "N",
    default: "the config's lanes, else 2",
    description: "copies of the topology run side by side, 1 to 16",
    example: "--lanes 4",
  },
  {
    name: "shard",
    type: "string",
    value: "I/N",
    default: "the whole plan",
    description:
      "run the I-th of N shares of the plan, balanced by --previous durations; `streamchaos merge` joins them",
    example: "--shard 2/4",
  },
  {
    name: "bail",
    type: "boolean",
    default: "off",
    description: "start nothing after the first result that fails the run; what is running finishes",
    example: "--bail",
  },
  {
    name: "allow-inconclusive",
    type: "boolean",
    default: "off (or the config's allowInconclusive)",
    description: "inconclusive results do not fail the run (still reported apart)",
    example: "--allow-inconclusive",
  },
  ...REPORT_FLAGS,
] as const satisfies readonly Flag[];

export type RunValues = FlagValues<typeof RUN_FLAGS>;

const SPEC = {
  command: "streamchaos run",
  about: [
    "Runs the scenarios against your backend(s) behind each edge and judges every result from the",
    "bytes the client got. Arguments are scenario ids or globs, like --scenario. Flags override the",
    "config. Exit 0: every result as expected; 1: a scenario failed, errored or was inconclusive;",
    "2: usage or setup error; 130: interrupted.",
  ],
  positionals: [
    {
      name: "GLOB",
      description: "scenario ids or globs to run, with --scenario's",
      example: "mid-connection-rst 'pre-*'",
      variadic: true,
    },
  ],
  flags: RUN_FLAGS,
} satisfies CommandSpec;

/** Applies command-line overrides on top of a config: flags win over the file. */
export function applyRunFlags(
  config: ResolvedConfig,
  values: RunValues,
  globs: readonly string[] = [],
): ResolvedConfig {
  const next = { ...config };
  if (values.edge) next.edges = values.edge.split(",").map((edge) => parseEdgeFlag(edge.trim()));
  if (values.client !== undefined) {
    next.clients = resolveClients(values.client);
    next.clientsRequired = true;
  }
  const scenarios = [...(values.scenario?.split(",") ?? []), ...globs].map((s) => s.trim()).filter(Boolean);
  if (scenarios.length) next.scenarios = scenarios;
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

/**
 * The reporters a command writes with, from its report flags: every name and option checked
 * before anything starts, and each one's files noted as it writes them, for the closing lines.
 */
export function reportersFor(
  names: readonly string[],
  values: FlagValues<typeof REPORT_FLAGS>,
  io: CliIO,
): { reporters: Reporter[]; written: Array<{ reporter: string; file: string }> } {
  const pairs = [
    ...(values["report-url"] === undefined ? [] : [`report-url=${values["report-url"]}`]),
    ...(values["reporter-option"] ?? []),
  ];
  const options: ReporterOptions = {
    stream: io.stdout,
    isTTY: Boolean(io.stdout.isTTY),
    ...parseReporterOptions(pairs, names),
  };
  const written: Array<{ reporter: string; file: string }> = [];
  const reporters = createReporters(names, options).map(
    (reporter): Reporter => ({
      ...reporter,
      name: reporter.name,
      onStart: reporter.onStart?.bind(reporter),
      onScenarioStart: reporter.onScenarioStart?.bind(reporter),
      onResult: reporter.onResult?.bind(reporter),
      async onFinish(run, finish) {
        const output = await reporter.onFinish(run, finish);
        for (const file of output.files) written.push({ reporter: reporter.name, file });
        return output;
      },
    }),
  );
  return { reporters, written };
}

/** The run's last lines: where each report went, relative to here when it is below. */
export function describeWritten(written: ReadonlyArray<{ reporter: string; file: string }>): string {
  if (written.length === 0) return "";
  const width = Math.max(...written.map((w) => w.reporter.length));
  const shown = (file: string) => {
    if (!file.startsWith("/")) return file;
    const rel = relative(process.cwd(), file);
    return rel.startsWith("..") ? file : rel;
  };
  return `reports written:\n${written.map((w) => `  ${w.reporter.padEnd(width)}  ${shown(w.file)}`).join("\n")}\n`;
}

export async function executeRun(config: ResolvedConfig, values: RunValues, io: CliIO): Promise<number> {
  const shard: Shard | undefined = values.shard === undefined ? undefined : parseShard(values.shard);
  const { reporters, written } = reportersFor(config.reporters, values, io);
  const previous = values.previous ? await readRunResult(resolve(values.previous)) : undefined;
  // A report folder that cannot take the files fails now, not after the whole run.
  if (reporters.some((reporter) => reporter.writesFiles)) await checkOutputDir(config.outDir);
  const run = await runSuite({
    config,
    reporters,
    signal: io.stopSignal,
    ...(previous ? { previous } : {}),
    ...(shard ? { shard } : {}),
    ...(values.bail ? { bail: true } : {}),
  });
  if (run.interrupted) io.stderr.write(`${describeInterruption(run)}\n`);
  if (run.bailed) {
    io.stderr.write(
      `streamchaos: stopped after ${run.bailed.after} failed (--bail): ${run.bailed.notStarted} planned runs not started.\n`,
    );
  }
  io.stdout.write(describeWritten(written));
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
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    // Checked before the config is loaded: a bad split costs nothing but the message.
    if (values.shard !== undefined) parseShard(values.shard);
    const path = values.config ?? findConfigFile();
    if (!path) {
      throw new UserError("CONFIG_NOT_FOUND", {
        what: "No config file",
        why: "neither streamchaos.config.ts nor streamchaos.config.json is in this folder",
        fix: "Pass --config PATH, or try `streamchaos demo` to see the bundled reference backends run.",
      });
    }
    const config = applyRunFlags(await loadConfigFile(path), values, positionals);
    return executeRun(config, values, io);
  },
};

export default command;
