import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { UserError } from "../../lib/errors.ts";
import { CASSETTE_VERSION, type Cassette, cassetteSchema } from "./cassette.ts";

/** Reads and validates a cassette file; every failure names the file, the field and the fix. */
export async function loadCassette(path: string): Promise<Cassette> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw unreadable(path, error);
  }
  return parseCassette(text, path);
}

/** `loadCassette` for a script being checked (a synchronous check names every bad field at once). */
export function loadCassetteSync(path: string): Cassette {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw unreadable(path, error);
  }
  return parseCassette(text, path);
}

function unreadable(path: string, error: unknown): UserError {
  const code = (error as NodeJS.ErrnoException).code;
  return new UserError(code === "ENOENT" ? "CASSETTE_NOT_FOUND" : "CASSETTE_UNREADABLE", {
    what: `Cannot read the cassette ${path}`,
    why: code === "ENOENT" ? "no such file" : `${code ?? ""} ${(error as Error).message}`.trim(),
    fix: "Pass the path of a .cassette.json file, as written by `streamchaos record --out DIR` or `streamchaos cassette import`.",
    cause: error,
  });
}

/** Validates a cassette's JSON text; `source` names it in errors. */
export function parseCassette(text: string, source: string): Cassette {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError("CASSETTE_CORRUPT", {
      what: `The cassette ${source} is not valid JSON`,
      why: error instanceof Error ? error.message : String(error),
      fix: "It was cut short or edited by hand: restore it from version control, or record it again.",
    });
  }
  return cassetteFromJson(json, source);
}

/** Validates a cassette already parsed from JSON (one inlined in a script); `source` names it in errors. */
export function cassetteFromJson(json: unknown, source: string): Cassette {
  const version =
    typeof json === "object" && json !== null ? (json as { version?: unknown }).version : undefined;
  if (version === undefined) {
    throw new UserError("CASSETTE_INVALID", {
      what: `The file ${source} is not a streamchaos cassette`,
      why: "version: missing (every cassette starts with a version field)",
      fix: "Pass a .cassette.json file written by `streamchaos record` or `streamchaos cassette import`; to read a HAR or a curl capture, import it first.",
    });
  }
  if (version !== CASSETTE_VERSION) {
    throw new UserError("CASSETTE_VERSION", {
      what: `The cassette ${source} is of an unknown version`,
      why: `version is ${JSON.stringify(version)}, and this streamchaos reads version ${CASSETTE_VERSION}`,
      fix: `Re-record or upgrade: record the exchange again with this streamchaos, or upgrade to a streamchaos that reads version ${JSON.stringify(version)}.`,
    });
  }
  const parsed = cassetteSchema.safeParse(json);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues.map(describeIssue);
    throw new UserError("CASSETTE_INVALID", {
      what: `The cassette ${source} is not valid`,
      why: first!,
      fix: "Fix the field named above (the format is fakes/cassettes/cassette.schema.json), or record it again.",
      details: rest,
    });
  }
  return parsed.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  let field = "";
  for (const part of issue.path)
    field += typeof part === "number" ? `[${part}]` : `${field === "" ? "" : "."}${String(part)}`;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    return `${field === "" ? key : `${field}.${key}`}: unknown key; remove it (check the spelling)`;
  }
  return `${field === "" ? "(cassette)" : field}: ${issue.message}`;
}
