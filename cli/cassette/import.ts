import { readFile } from "node:fs/promises";
import {
  CassetteDir,
  cassetteFromRaw,
  cassettesFromHar,
  type ImportedCassette,
  looksLikeHar,
  type ProviderName,
  type RawFormat,
} from "../../fakes/index.ts";
import { UserError } from "../../lib/errors.ts";

export type ImportFormat = "auto" | "har" | RawFormat;

export interface ImportOptions {
  out: string;
  format: ImportFormat;
  provider: ProviderName | undefined;
}

/** Reads a HAR or a raw capture, writes its cassettes to `out`, and returns the lines to print. */
export async function importCassettes(file: string, options: ImportOptions): Promise<string[]> {
  const bytes = await readInput(file);
  const imported = await parse(bytes, file, options);
  const dir = await CassetteDir.open(options.out);
  const lines: string[] = [];
  for (const { cassette, slugOf } of imported) {
    const saved = await dir.save(dir.next(), cassette, slugOf);
    const request = cassette.request
      ? `${cassette.request.method} ${cassette.request.path}`
      : "(raw capture)";
    lines.push(`  saved ${saved}  ${request} → ${cassette.provider} (by ${cassette.providerBy})`);
    if (cassette.provider === "unknown") {
      lines.push(
        "    provider not recognised: pass --provider NAME to name it, or the replay cannot route it",
      );
    }
  }
  return lines;
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError("IMPORT_NOT_FOUND", {
      what: `Cannot read ${file}`,
      why: code === "ENOENT" ? "no such file" : `${code ?? ""} ${(error as Error).message}`.trim(),
      fix: "Pass a HAR file exported from the browser's devtools, or a `curl -N` capture saved to a file.",
    });
  }
}

async function parse(bytes: Buffer, file: string, options: ImportOptions): Promise<ImportedCassette[]> {
  if (options.format === "sse" || options.format === "ndjson") {
    return [cassetteFromRaw(bytes, file, { format: options.format, provider: options.provider })];
  }
  const json = jsonOf(bytes);
  if (options.format === "har" || (json !== undefined && looksLikeHar(json))) {
    if (json === undefined) {
      throw new UserError("IMPORT_BAD_HAR", {
        what: `${file} is not a HAR file`,
        why: "it is not JSON",
        fix: "Export it again from the browser's devtools, or leave --format out to read it as a raw capture.",
      });
    }
    return cassettesFromHar(json, file, options.provider);
  }
  return [cassetteFromRaw(bytes, file, { provider: options.provider })];
}

function jsonOf(bytes: Buffer): unknown {
  const first = bytes.subarray(0, 64).toString("utf8").trimStart();
  if (!first.startsWith("{")) return undefined;
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
}
