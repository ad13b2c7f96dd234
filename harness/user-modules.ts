import { readFile, rm, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * Imports one of the user's modules (their config, their scenario files) as ESM. `.js` and `.mjs`
 * load as they are; TypeScript goes through tsx, imported only then, the way vitest and eslint load
 * their users' configs. tsx compiles a `.ts` file as CommonJS when its package is not
 * `"type": "module"` (most apps), and streamchaos is ESM-only; so, like Vite, import a temporary
 * `.mts` copy beside the original (relative imports still resolve) and remove it afterwards.
 */
export async function importUserModule(file: string): Promise<Record<string, unknown>> {
  const extension = extname(file);
  if (extension === ".js" || extension === ".mjs") {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  }
  const { tsImport } = await import("tsx/esm/api");
  if (extension !== ".ts" || (await nearestPackageIsModule(dirname(file)))) {
    return (await tsImport(file, import.meta.url)) as Record<string, unknown>;
  }
  const copy = join(dirname(file), `.${basename(file, ".ts")}.${process.pid}-${Date.now()}.mts`);
  await writeFile(copy, await readFile(file));
  try {
    return (await tsImport(copy, import.meta.url)) as Record<string, unknown>;
  } finally {
    await rm(copy, { force: true });
  }
}

async function nearestPackageIsModule(dir: string): Promise<boolean> {
  for (let current = dir; ; current = dirname(current)) {
    try {
      const pkg = JSON.parse(await readFile(join(current, "package.json"), "utf8")) as { type?: string };
      return pkg.type === "module";
    } catch {
      if (dirname(current) === current) return false;
    }
  }
}

/** esbuild's (through tsx) "Transform failed with 2 errors:\n/path/x.ts:1:16: ERROR: Expected ..." */
const TRANSFORM_ERROR = /^.*?:(\d+):(\d+): ERROR: (.*)$/gm;

/** The first line of an error, and where in `file` it was thrown when the stack says so. */
export function describeLoadError(error: unknown, file: string): string {
  const text = error instanceof Error ? error.message : String(error);
  // A syntax error's first line says only how many there are; the first of them says what and where
  // (in the temporary .mts copy, at the same line and column as in the file).
  if (text.startsWith("Transform failed")) {
    const found = [...text.matchAll(TRANSFORM_ERROR)];
    const [first] = found;
    if (first) {
      const more = found.length > 1 ? ` (and ${found.length - 1} more)` : "";
      return `${first[3]} (at ${basename(file)}:${first[1]}:${first[2]})${more}`;
    }
  }
  const message = text.split("\n")[0] ?? "";
  const stack = error instanceof Error ? (error.stack ?? "") : "";
  const name = basename(file, extname(file));
  const at = stack
    .split("\n")
    .map((line) => /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?$/.exec(line.trim()))
    .find((m) => m !== null && basename(m[1]!).includes(name));
  return at ? `${message} (at ${basename(file)}:${at[2]}:${at[3]})` : message;
}
