import { displayPath, loadRunCatalog } from "../../harness/catalog.ts";
import { loadChecks } from "../../harness/checks/index.ts";
import { loadConfigFile } from "../../harness/config.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliCommand } from "../command.ts";
import { findConfigFile } from "./run.ts";

const USAGE = "streamchaos list [--checks] [--json] [--config streamchaos.config.ts]";

const MINE = "[yours]";

const command: CliCommand = {
  name: "list",
  summary: "Show the scenario catalog (or the checks) with the incident each one models",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      {
        checks: { type: "boolean" },
        json: { type: "boolean" },
        config: { type: "string", short: "c" },
        help: { type: "boolean", short: "h" },
      },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(
        `${USAGE}\n\nThe built-in scenarios, and yours when a config (--config, or streamchaos.config.* here) includes them, marked ${MINE}.\n`,
      );
      return 0;
    }
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
