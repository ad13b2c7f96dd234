import type { ProviderName } from "../fakes/journal-types.ts";
import { isProviderName, providerNames } from "../fakes/providers/registry.ts";
import { UserError } from "../lib/errors.ts";

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

/** `--provider NAME`: one of the fake's providers, or undefined when left out. */
export function parseProviderFlag(value: string | undefined, leftOut: string): ProviderName | undefined {
  if (value === undefined || isProviderName(value)) return value;
  throw new UserError("CLI_UNKNOWN_PROVIDER", {
    what: `Unknown provider "${value}"`,
    fix: `Use one of: ${providerNames.join(", ")}, or leave --provider out ${leftOut}.`,
  });
}
