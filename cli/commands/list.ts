import { displayPath, loadRunCatalog } from "../../harness/catalog.ts";
import { loadChecks } from "../../harness/checks/index.ts";
import { loadConfigFile } from "../../harness/config.ts";
import type { CliCommand } from "../command.ts";
import { type CommandSpec, parseCommand, synopsis } from "../flags.ts";
import { findConfigFile } from "./run.ts";

const MINE = "[yours]";

const SPEC = {
  command: "streamchaos list",
  about: [
    "The built-in scenarios with the incident each one models, and yours when a config includes",
    `them, marked ${MINE}. Use an id (or a glob of ids) with \`streamchaos run ID\`.`,
  ],
  flags: [
    {
      name: "checks",
      type: "boolean",
      default: "off",
      description: "list the checks (what a verdict is made of) instead of scenarios",
      example: "--checks",
    },
    {
      name: "json",
      type: "boolean",
      default: "off",
      description: "as JSON, for scripts",
      example: "--json",
    },
    {
      name: "config",
      short: "c",
      type: "string",
      value: "FILE",
      default: "streamchaos.config.ts, .mts or .json in this folder, if any",
      description: "a config whose own scenarios and checks are listed too",
      example: "--config ci/streamchaos.config.ts",
    },
  ],
} as const satisfies CommandSpec;

const command: CliCommand = {
  name: "list",
  summary: "Show the scenario catalog (or the checks) with the incident each one models",
  usage: synopsis(SPEC),
  async run(argv, io) {
    const parsed = parseCommand(argv, SPEC, io);
    if (!parsed) return 0;
    const { values } = parsed;
    // With a config, the user's scenarios and checks (include, inline, checks) are listed beside ours.
    const path = values.config ?? findConfigFile();
    const catalog = await loadRunCatalog(path ? await loadConfigFile(path) : {}, {
      warn: (line) => io.stderr.write(`${line}\n`),
    });

    if (values.checks) {
      const checks = [
        ...[...(await loadChecks()).values()].map((c) => ({
          name: c.name,
          description: c.description,
          yours: false,
        })),
        ...[...catalog.checks.values()].map((c) => ({
          name: c.name,
          description: c.description,
          yours: true,
        })),
      ];
      if (values.json) io.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else
        for (const c of checks)
          io.stdout.write(`${c.name.padEnd(32)} ${c.yours ? `${MINE} ` : ""}${c.description}\n`);
      return 0;
    }
    const scenarios = catalog.scenarios;
    if (values.json) {
      io.stdout.write(`${JSON.stringify(scenarios, null, 2)}\n`);
      return 0;
    }
    const byCategory = new Map<string, typeof scenarios>();
    for (const s of scenarios) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s]);
    for (const [category, inCategory] of byCategory) {
      io.stdout.write(`\n${category}\n`);
      for (const s of inCategory) {
        const mine = s.source && !s.source.builtin;
        const from = mine && s.source?.file ? ` (${displayPath(s.source.file)})` : "";
        io.stdout.write(
          `  ${s.id.padEnd(36)} ${mine ? `${MINE} ` : ""}${s.title}${from}\n  ${"".padEnd(36)} ↳ ${s.incident}\n`,
        );
      }
    }
    const yours = scenarios.filter((s) => s.source && !s.source.builtin).length;
    io.stdout.write(
      `\n${scenarios.length} scenarios${yours ? ` (${yours} yours)` : ""}. Run one with: streamchaos run --scenario <id>\n`,
    );
    return 0;
  },
};

export default command;
