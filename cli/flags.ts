import { parseArgs } from "node:util";
import { UserError } from "../lib/errors.ts";
import { closest } from "../lib/suggest.ts";

/**
 * A command's flags as one table: what parses the command line and what `--help` prints come from
 * the same rows, so a flag cannot be parsed without being documented (or the reverse).
 */
export interface Flag {
  /** Long name, without the dashes. */
  name: string;
  short?: string;
  type: "string" | "boolean";
  /** May be given several times (string flags): the values in order. */
  multiple?: boolean;
  /** What the value looks like in help, e.g. "GLOB[,GLOB]". */
  value?: string;
  /** "required", or what happens when the flag is left out. */
  default: string;
  description: string;
  /** A whole flag as people would type it, e.g. "--shard 2/4". */
  example: string;
}

/** A positional argument: its name in help, and whether several may follow. */
export interface Positional {
  name: string;
  description: string;
  example: string;
  required?: boolean;
  variadic?: boolean;
}

export interface CommandSpec {
  /** "streamchaos run" */
  command: string;
  about: readonly string[];
  flags: readonly Flag[];
  positionals?: readonly Positional[];
}

const HELP_FLAG: Flag = {
  name: "help",
  short: "h",
  type: "boolean",
  default: "off",
  description: "this text",
  example: "--help",
};

type FlagValue<F extends Flag> = F["type"] extends "boolean"
  ? boolean
  : F["multiple"] extends true
    ? string[]
    : string;

export type FlagValues<T extends readonly Flag[]> = { [F in T[number] as F["name"]]?: FlagValue<F> } & {
  help?: boolean;
};

/** One line: `streamchaos run [GLOB...] [--config FILE] ...`, required flags without brackets. */
export function synopsis(spec: CommandSpec): string {
  const parts = [spec.command];
  for (const p of spec.positionals ?? []) {
    const name = `${p.name}${p.variadic ? "..." : ""}`;
    parts.push(p.required ? name : `[${name}]`);
  }
  for (const flag of spec.flags) {
    const text = `--${flag.name}${flag.type === "string" ? ` ${flag.value ?? "VALUE"}` : ""}`;
    parts.push(flag.default === "required" ? text : `[${text}]`);
  }
  return parts.join(" ");
}

/** Usage, what the command does, then each argument and flag with its default and an example. */
export function renderHelp(spec: CommandSpec): string {
  const flags = [...spec.flags, HELP_FLAG];
  const label = (f: Flag) =>
    `${f.short ? `-${f.short}, ` : "    "}--${f.name}${f.type === "string" ? ` ${f.value ?? "VALUE"}` : ""}`;
  const positionals = spec.positionals ?? [];
  const width = Math.max(...flags.map((f) => label(f).length), ...positionals.map((p) => p.name.length + 2));
  const lines = [`Usage: ${synopsis(spec)}`, "", ...spec.about, ""];
  if (positionals.length) {
    lines.push("Arguments:");
    for (const p of positionals) {
      lines.push(
        `  ${p.name.padEnd(width)}  ${p.description} (${p.required ? "required" : "optional"})`,
        `  ${" ".repeat(width)}  e.g. ${p.example}`,
      );
    }
    lines.push("");
  }
  lines.push("Flags:");
  for (const f of flags) {
    const fallback = f.default === "required" ? "required" : `default: ${f.default}`;
    lines.push(
      `  ${label(f).padEnd(width)}  ${f.description} (${fallback})`,
      `  ${" ".repeat(width)}  e.g. ${f.example}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Parses argv by the table: an unknown flag is answered with the closest known one, a missing value
 * with the flag's example, and a positional argument where the command takes none is an error,
 * never silently dropped.
 */
export function parseFlags<const T extends readonly Flag[]>(
  argv: readonly string[],
  spec: CommandSpec & { flags: T },
): { values: FlagValues<T>; positionals: string[] } {
  const flags = [...spec.flags, HELP_FLAG];
  const options = Object.fromEntries(
    flags.map((f) => [
      f.name,
      { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) },
    ]),
  );
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(spec, flags, error);
  }
  const values = parsed.values as FlagValues<T>;
  if (values.help) return { values, positionals: parsed.positionals };
  const allowed = spec.positionals ?? [];
  const variadic = allowed.some((p) => p.variadic);
  if (!variadic && parsed.positionals.length > allowed.length) {
    const extra = parsed.positionals[allowed.length]!;
    const asFlag = closest(
      extra.replace(/^-+/, ""),
      flags.map((f) => f.name),
    );
    throw new UserError("CLI_USAGE", {
      what: `Unexpected argument "${extra}"`,
      why: allowed.length
        ? `${spec.command} takes ${allowed.map((p) => p.name).join(" ")} and flags`
        : `${spec.command} takes no arguments, only flags${asFlag ? `; did you mean --${asFlag}?` : ""}`,
      fix: `Run \`${spec.command} --help\` for its flags.`,
    });
  }
  const at = allowed.findIndex((p, i) => p.required && parsed.positionals[i] === undefined);
  const missing = allowed[at];
  if (missing) {
    // The example names every argument up to the missing one: they are positional, so the missing
    // one alone would read as the first.
    const example = allowed
      .slice(0, at + 1)
      .map((p) => p.example)
      .join(" ");
    throw new UserError("CLI_USAGE", {
      what: `Missing ${missing.name}`,
      why: missing.description,
      fix: `Pass e.g. \`${spec.command} ${example}\`; \`${spec.command} --help\` lists the rest.`,
    });
  }
  for (const flag of spec.flags) {
    const given = values[flag.name as keyof typeof values];
    if (flag.default === "required" && (given === undefined || given === "")) {
      throw new UserError("CLI_USAGE", {
        what: `Missing --${flag.name}`,
        why: flag.description,
        fix: `Pass e.g. ${flag.example}; \`${spec.command} --help\` lists the rest.`,
      });
    }
  }
  return { values, positionals: parsed.positionals };
}

/**
 * Every command's opening: parse argv by the spec and answer `--help` with the spec's help. Returns
 * undefined when help was printed (the command then exits 0), so no command can parse flags it does
 * not document or forget to answer `--help`.
 */
export function parseCommand<const T extends readonly Flag[]>(
  argv: readonly string[],
  spec: CommandSpec & { flags: T },
  io: { stdout: NodeJS.WritableStream },
): { values: FlagValues<T>; positionals: string[] } | undefined {
  const parsed = parseFlags(argv, spec);
  if (!parsed.values.help) return parsed;
  io.stdout.write(renderHelp(spec));
  return undefined;
}

/** node:util's parse errors, as ours: the flag named, the closest known one suggested. */
function usageError(spec: CommandSpec, flags: readonly Flag[], error: unknown): UserError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const help = `Run \`${spec.command} --help\` for every flag with an example.`;
  // "Unknown option '--sceanrio'", "Option '-s, --scenario <value>' argument missing"
  const named: string[] = /'([^']+)'/.exec(message)?.[1]?.match(/-{1,2}[\w-]+/g) ?? [];
  const typed = named.at(-1) ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const name = typed.replace(/^-+/, "").split("=")[0] ?? "";
    const known = flags.flatMap((f) => (typed.startsWith("--") || !f.short ? [f.name] : [f.name, f.short]));
    const match = closest(name, known);
    const flag = match && flags.find((f) => f.name === match || f.short === match);
    return new UserError("CLI_UNKNOWN_FLAG", {
      what: `Unknown flag ${typed}`,
      why: flag ? `did you mean --${flag.name}?` : `${spec.command} has no such flag`,
      fix: flag ? `Pass e.g. ${flag.example}. ${help}` : help,
    });
  }
  const flag = flags.find((f) => named.includes(`--${f.name}`) || named.includes(`-${f.short}`));
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && flag) {
    return new UserError("CLI_USAGE", {
      what: flag.type === "string" ? `--${flag.name} needs a value` : `--${flag.name} takes no value`,
      why: flag.description,
      fix: `Pass e.g. ${flag.example}.`,
    });
  }
  return new UserError("CLI_USAGE", { what: "Invalid command line", why: message, fix: help });
}
