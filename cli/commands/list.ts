import { loadChecks } from "../../harness/checks/index.ts";
import { loadCatalog } from "../../scenarios/index.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliCommand } from "../command.ts";

const USAGE = "streamchaos list [--checks] [--json]";

const command: CliCommand = {
  name: "list",
  summary: "Show the scenario catalog (or the checks) with the incident each one models",
  usage: USAGE,
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      { checks: { type: "boolean" }, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      USAGE,
    );
    if (values.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (values.checks) {
      const checks = [...(await loadChecks()).values()].map((c) => ({
        name: c.name,
        description: c.description,
      }));
      if (values.json) io.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
      else for (const c of checks) io.stdout.write(`${c.name.padEnd(32)} ${c.description}\n`);
      return 0;
    }
    const catalog = await loadCatalog();
    if (values.json) {
      io.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
      return 0;
    }
    const byCategory = new Map<string, typeof catalog>();
    for (const s of catalog) byCategory.set(s.category, [...(byCategory.get(s.category) ?? []), s]);
    for (const [category, scenarios] of byCategory) {
      io.stdout.write(`\n${category}\n`);
      for (const s of scenarios) {
        io.stdout.write(`  ${s.id.padEnd(36)} ${s.title}\n  ${"".padEnd(36)} ↳ ${s.incident}\n`);
      }
    }
    io.stdout.write(`\n${catalog.length} scenarios. Run one with: streamchaos run --scenario <id>\n`);
    return 0;
  },
};

export default command;
