import { UserError } from "../lib/errors.ts";
import { didYouMean } from "../lib/suggest.ts";
import type { ReporterOptions } from "./reporter.ts";

/** What `--reporter-option KEY=VALUE` may set: each key, the reporters that read it, its value. */
export interface ReporterOptionSpec {
  name: string;
  reporters: readonly string[];
  value: string;
  description: string;
  example: string;
  /** The value as options; throws a message (the `why`) for a bad one. */
  parse(value: string): Partial<ReporterOptions>;
}

export const REPORTER_OPTIONS: readonly ReporterOptionSpec[] = [
  {
    name: "report-url",
    reporters: ["markdown", "github"],
    value: "URL",
    description: "where the HTML report is published (a CI artifact or pages URL), linked from the summaries",
    example: "report-url=https://ci.example.com/artifacts/report.html",
    parse(value) {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw new Error("it is not a URL");
      }
      if (url.protocol !== "https:" && url.protocol !== "http:") throw new Error("it must be http(s)");
      return { reportUrl: url.href };
    },
  },
  {
    name: "max-annotations",
    reporters: ["github"],
    value: "N",
    description: "workflow annotations at most, the rest in one closing line (GitHub shows 10 errors a step)",
    example: "max-annotations=10",
    parse(value) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1 || n > 50) throw new Error("it must be a whole number from 1 to 50");
      return { maxAnnotations: n };
    },
  },
  {
    name: "progress",
    reporters: ["console"],
    value: "lines|quiet",
    description: "outside a terminal: a line per finished scenario, or nothing until the summary",
    example: "progress=quiet",
    parse(value) {
      if (value !== "lines" && value !== "quiet") throw new Error("it is lines or quiet");
      return { progress: value };
    },
  },
];

/**
 * `--reporter-option KEY=VALUE` pairs as reporter options, checked against the reporters the run
 * uses: an unknown key (with the closest one), a bad value, or a key none of them reads is a usage
 * error, before anything starts.
 */
export function parseReporterOptions(
  pairs: readonly string[],
  selected: readonly string[],
): Partial<ReporterOptions> {
  const options: Partial<ReporterOptions> = {};
  const fix = `Known options: ${REPORTER_OPTIONS.map((o) => `${o.name}=${o.value} (${o.reporters.join(", ")})`).join("; ")}.`;
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    const key = at < 0 ? pair : pair.slice(0, at);
    const spec = REPORTER_OPTIONS.find((o) => o.name === key);
    if (!spec) {
      throw new UserError("REPORTER_OPTION_UNKNOWN", {
        what: `Unknown reporter option "${key}"`,
        why: `no reporter reads it${didYouMean(
          key,
          REPORTER_OPTIONS.map((o) => o.name),
        )}`,
        fix,
      });
    }
    if (at < 0) {
      throw new UserError("REPORTER_OPTION_INVALID", {
        what: `Reporter option "${key}" has no value`,
        why: "options are given as KEY=VALUE",
        fix: `Pass e.g. --reporter-option ${spec.example}.`,
      });
    }
    if (!spec.reporters.some((name) => selected.includes(name))) {
      throw new UserError("REPORTER_OPTION_UNUSED", {
        what: `Reporter option "${key}" is for ${spec.reporters.join(" or ")}, which this run does not use`,
        why: `the reporters are ${selected.join(", ") || "none"}`,
        fix: `Add --reporter ${spec.reporters[0]}, or leave the option out.`,
      });
    }
    try {
      Object.assign(options, spec.parse(pair.slice(at + 1)));
    } catch (error) {
      throw new UserError("REPORTER_OPTION_INVALID", {
        what: `Invalid reporter option ${key}="${pair.slice(at + 1)}"`,
        why: error instanceof Error ? error.message : String(error),
        fix: `Pass e.g. --reporter-option ${spec.example}.`,
      });
    }
  }
  return options;
}
