import { renderUserError, StreamchaosError } from "../lib/errors.ts";
import { packageVersion } from "../lib/package.ts";
import { closest } from "../lib/suggest.ts";
import type { CliIO } from "./command.ts";
import { commands } from "./commands/index.ts";
import { runCliCommand } from "./run-cli-command.ts";

export async function main(argv: string[], io?: Partial<CliIO>): Promise<number> {
  const stdout = io?.stdout ?? process.stdout;
  const stderr = io?.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    stdout.write(await helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    stderr.write(
      renderUserError(
        new StreamchaosError("CLI_UNKNOWN_COMMAND", {
          what: `Unknown command "${name}"`,
          why: closestCommand(name)
            ? `did you mean "${closestCommand(name)}"?`
            : "streamchaos has no such command",
          fix: `Run one of: ${Object.keys(commands).sort().join(", ")}. See \`streamchaos help\`.`,
        }),
      ) + "\n",
    );
    return 2;
  }
  return runCliCommand(load, rest, io);
}

/** `streamchaos rnu` → run; a flag first (`streamchaos --scenario x`) is matched without its dashes. */
function closestCommand(typed: string): string | undefined {
  return closest(typed.replace(/^-+/, ""), Object.keys(commands));
}

async function helpText(): Promise<string> {
  const lines = ["streamchaos: chaos-testing harness for LLM streaming stacks", "", "Commands:"];
  for (const [name, load] of Object.entries(commands).sort(([a], [b]) => a.localeCompare(b))) {
    const command = await load();
    lines.push(`  ${name.padEnd(10)} ${command.summary}`);
  }
  lines.push("", "Run `streamchaos <command> --help` for a command's options.", "");
  return lines.join("\n");
}
