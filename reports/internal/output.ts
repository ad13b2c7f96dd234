import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { UserError } from "../../lib/errors.ts";

/** Writes one report file into outDir (created if missing); returns its absolute path. */
export async function writeReportFile(
  reporter: string,
  outDir: string | undefined,
  fileName: string,
  content: string,
): Promise<string> {
  if (!outDir) {
    throw new UserError("REPORT_NO_OUTDIR", {
      what: `The ${reporter} reporter has nowhere to write ${fileName}`,
      why: "no output directory was given",
      fix: "Pass an output directory (e.g. --out reports/) or drop this reporter.",
    });
  }
  const path = resolve(join(outDir, fileName));
  try {
    await mkdir(resolve(outDir), { recursive: true });
    await writeFile(path, content, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown";
    throw new UserError("REPORT_WRITE_FAILED", {
      what: `The ${reporter} reporter could not write ${path}`,
      why: `${code}: ${error instanceof Error ? error.message : String(error)}`,
      fix: "Choose an output directory you can write to.",
      cause: error,
    });
  }
  return path;
}
