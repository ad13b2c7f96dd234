/** One flag in a command's --help: what it does, its default (or that it is required), an example. */
export interface FlagHelp {
  flag: string;
  meaning: string;
  /** "required", or the value used when the flag is left out. */
  default: string;
  example: string;
}

/** A command's --help: usage, what it does, then each flag with its default and an example. */
export function renderHelp(usage: string, about: readonly string[], flags: readonly FlagHelp[]): string {
  const width = Math.max(...flags.map((f) => f.flag.length));
  const lines = [`Usage: ${usage}`, "", ...about, "", "Flags:"];
  for (const f of flags) {
    const fallback = f.default === "required" ? "required" : `default: ${f.default}`;
    lines.push(
      `  ${f.flag.padEnd(width)}  ${f.meaning} (${fallback})`,
      `  ${" ".repeat(width)}  e.g. ${f.example}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
