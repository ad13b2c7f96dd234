import { resolve } from "node:path";
import { exitCodeFor } from "../../harness/runner.ts";
import { checkOutputDir, mergeRuns, readRunFile, readRunResult } from "../../reports/index.ts";
import type { CliCommand } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";
import { describeWritten, REPORT_FLAGS, reportersFor } from "./run.ts";

const DEFAULT_REPORTERS = ["console", "json", "junit", "markdown", "html"];

const SPEC = {
  command: "streamchaos merge",
  about: [
    "Joins the results.json of the machines of a CI matrix (`streamchaos run --shard I/N` on each)",
    "into one run and writes one report set of it. Refused (exit 2): files of different schema",
    "versions, shards of different splits, a shard or a run given twice. A missing shard is named",
    "on stderr. Exit codes as `run`: 1 when a merged result fails the run.",
  ],
  positionals: [
    {
      name: "RESULTS.json",
      description: "the results.json of each shard (the json reporter's file)",
      example: "shard-*/results.json",
      required: true,
      variadic: true,
    },
  ],
  flags: REPORT_FLAGS.map((flag) =>
    flag.name === "reporter" ? { ...flag, default: DEFAULT_REPORTERS.join(",") } : flag,
  ),
} satisfies CommandSpec;

const command: CliCommand = {
  name: "merge",
  summary: "Join the results.json of --shard runs into one report set",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values, positionals } = parsed;
    const names = values.reporter?.split(",").map((name) => name.trim()) ?? DEFAULT_REPORTERS;
    const { reporters, written } = reportersFor(names, values, io);
    const inputs = [];
    for (const file of positionals) {
      inputs.push({ file, ...(await readRunFile(resolve(file), "results to merge")) });
    }
    const { run, missingShards } = mergeRuns(inputs);
    if (missingShards.length) {
      const total = inputs[0]!.run.shard!.total;
      io.stderr.write(
        `streamchaos merge: shard ${missingShards.map((i) => `${i}/${total}`).join(", ")} missing: its runs are not in the report.\n`,
      );
    }
    const outDir = resolve(values.out ?? ".streamchaos/report");
    if (reporters.some((reporter) => reporter.writesFiles)) await checkOutputDir(outDir);
    const previous = values.previous ? await readRunResult(resolve(values.previous)) : undefined;
    for (const reporter of reporters) {
      reporter.onStart?.({
        scenarios: new Set(run.results.map((r) => r.scenario.id)).size,
        edges: [...new Set(run.results.map((r) => r.edge))],
        backends: [...new Set(run.results.map((r) => r.backend))],
        total: run.results.length,
      });
      await reporter.onFinish(run, { outDir, ...(previous ? { previous } : {}) });
    }
    io.stdout.write(describeWritten(written));
    // A missing shard's runs were never judged: the merged run cannot be called green.
    return missingShards.length ? Math.max(1, exitCodeFor(run)) : exitCodeFor(run);
  },
};

export default command;
