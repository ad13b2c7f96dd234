import { type ParseArgsConfig, parseArgs } from "node:util";
import type { ProviderName } from "../fakes/journal-types.ts";
import { isProviderName, providerNames } from "../fakes/providers/registry.ts";
import { UserError } from "../lib/errors.ts";
import { closest } from "../lib/suggest.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** node:util parseArgs with the CLI's error shape: names the bad flag and shows the usage. */
export function parseCommandArgs<T extends Options>(
  argv: string[],
  options: T,
  usage: string,
): ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    if ((error as { code?: string }).code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      // "Unknown option '--sceanrio'": answered with the flag that was meant.
      const typed = /'(-{1,2}[\w-]+)/.exec(String((error as Error).message))?.[1] ?? "";
      const meant = closest(typed.replace(/^-+/, ""), Object.keys(options));
      throw new UserError("CLI_UNKNOWN_FLAG", {
        what: `Unknown flag ${typed}`,
        why: meant ? `did you mean --${meant}?` : "the command has no such flag",
        fix: `Usage: ${usage}`,
      });
    }
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

/** A flag the command cannot run without: its value, or a usage error with an example. */
export function requiredFlag(
  name: string,
  value: string | undefined,
  example: string,
  usage: string,
): string {
  if (value !== undefined && value !== "") return value;
  throw new UserError("CLI_USAGE", {
    what: `Missing --${name}`,
    fix: `Pass e.g. ${example}. Usage: ${usage}`,
  });
}

/** `--provider NAME`: one of the fake's providers, or undefined when left out. */
export function parseProviderFlag(value: string | undefined, leftOut: string): ProviderName | undefined {
  if (value === undefined || isProviderName(value)) return value;
  throw new UserError("CLI_UNKNOWN_PROVIDER", {
    what: `Unknown provider "${value}"`,
    fix: `Use one of: ${providerNames.join(", ")}, or leave --provider out ${leftOut}.`,
  });
}
