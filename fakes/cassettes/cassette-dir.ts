import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { UserError } from "../../lib/errors.ts";
import { CASSETTE_SUFFIX, type Cassette } from "./cassette.ts";
import { formatCassette } from "./format.ts";

/**
 * The folder cassettes are written to: `<NNN>-<provider>-<path-slug>.cassette.json`, numbered by
 * arrival and continuing after what the folder already holds (a second session never overwrites
 * the first), each written whole or not at all (temp file, then rename).
 */
export class CassetteDir {
  readonly path: string;
  #last: number;

  private constructor(path: string, last: number) {
    this.path = path;
    this.#last = last;
  }

  /** Creates the folder if missing and proves it writable now, not at the first exchange. */
  static async open(path: string): Promise<CassetteDir> {
    try {
      await mkdir(path, { recursive: true });
      const probe = join(path, `.streamchaos-probe-${process.pid}-${randomBytes(4).toString("hex")}`);
      await writeFile(probe, "");
      await rm(probe, { force: true });
      return new CassetteDir(path, highestNumber(await readdir(path)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UserError("CASSETTE_DIR_NOT_WRITABLE", {
        what: `Cannot write cassettes to ${path}`,
        why: `${code ?? ""} ${error instanceof Error ? error.message : String(error)}`.trim(),
        fix: "Pass --out a folder you can write to (it is created if missing), e.g. --out ./cassettes.",
        cause: error,
      });
    }
  }

  /** The next number, taken when an exchange arrives so files sort in arrival order. */
  next(): number {
    return ++this.#last;
  }

  /** Writes the cassette atomically and returns its path. */
  async save(number: number, cassette: Cassette, slugOf: string): Promise<string> {
    const name = `${String(number).padStart(3, "0")}-${cassette.provider}-${slug(slugOf)}${CASSETTE_SUFFIX}`;
    const file = join(this.path, name);
    const temp = join(this.path, `.${name}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
    try {
      await writeFile(temp, formatCassette(cassette));
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return file;
  }
}

function highestNumber(names: string[]): number {
  let highest = 0;
  for (const name of names) {
    const match = /^(\d+)-.*\.cassette\.json$/.exec(name);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
}

/** `/v1beta/models/gemini-2.0-flash:streamGenerateContent` → `v1beta-models-gemini-2-0-flash-streamgeneratecontent`. */
export function slug(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return cleaned === "" ? "root" : cleaned;
}
