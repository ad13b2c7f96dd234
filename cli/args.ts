import { type ParseArgsConfig, parseArgs } from "node:util";
import { UserError } from "../lib/errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with the CLI's error shape: names the bad flag and shows the usage. */
export function parseCommandArgs<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UserError("CLI_USAGE", {
      what: "Invalid command line",
      why: error instanceof Error ? error.message : String(error),
      fix: `Usage: ${usage}`,
    });
  }
}

export function parseIntegerFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new UserError("CLI_USAGE", {
      what: `Invalid --${name} "${value}"`,
      why: "it must be a whole number from 0 to 65535",
      fix: `Pass e.g. --${name} 0 to let the system pick a free one.`,
    });
  }
  return parsed;
}
