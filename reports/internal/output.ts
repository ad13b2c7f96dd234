import { randomBytes } from "node:crypto";
import { mkdir, open, realpath, rename, rm, rmdir, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { trackLive } from "../../lib/lifecycle.ts";

export interface WriteReportOptions {
  /** Aborted (a Ctrl-C) before the file is complete: the previous file stays as it was. */
  signal?: AbortSignal;
  /** Awaited before each chunk is written, with the byte offset of the chunk (tests: a slow disk). */
  beforeChunk?: (offset: number) => void | Promise<void>;
}

/** Written in pieces so that a stop between two of them is seen before the file is complete. */
const CHUNK_BYTES = 64 * 1024;
const OUT_FIX = "Pass --out a folder you can write to (created if missing), e.g. --out .streamchaos/report.";
/** Virtual filesystems: what looks like a folder there takes no files. */
const VIRTUAL_FS = /^\/(proc|sys)(\/|$)/;

/**
 * Writes one report file into outDir (created if missing); returns its absolute path. The content
 * goes to a temp file beside it that is renamed over the old one once complete, so a reader (or the
 * next run's --previous) sees the previous file or the new one, never a part: a plain writeFile cut by
 * Ctrl-C left results.json truncated at 1 MiB. On failure or interruption the temp file is removed.
 */
export async function writeReportFile(
  reporter: string,
  outDir: string | undefined,
  fileName: string,
  content: string,
  options: WriteReportOptions = {},
): Promise<string> {
  if (!outDir) {
    throw new UserError("REPORT_NO_OUTDIR", {
      what: `The ${reporter} reporter has nowhere to write ${fileName}`,
      why: "no output directory was given",
      fix: "Pass an output directory (e.g. --out reports/) or drop this reporter.",
    });
  }
  const dir = resolve(outDir);
  const path = join(dir, fileName);
  // Same folder, so the rename stays on one filesystem and is atomic.
  const temp = join(dir, `.${fileName}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  // A second Ctrl-C exits at once after unwinding the live registry: the temp file goes with it.
  const untrack = trackLive({ [Symbol.asyncDispose]: () => rm(temp, { force: true }) });
  const stopped = () =>
    new StreamchaosError("REPORT_WRITE_INTERRUPTED", {
      what: `The ${reporter} reporter stopped writing ${path}`,
      why: "the run was interrupted while the file was written",
      fix: "The previous file was left as it was.",
    });
  try {
    await mkdir(dir, { recursive: true });
    const bytes = Buffer.from(content, "utf8");
    const handle = await open(temp, "wx");
    try {
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        await options.beforeChunk?.(offset);
        if (options.signal?.aborted) throw stopped();
        await handle.write(bytes, offset, Math.min(CHUNK_BYTES, bytes.length - offset));
      }
      // On disk before the rename makes it the file: a power cut must not leave an empty results.json.
      await handle.datasync();
    } finally {
      await handle.close();
    }
    if (options.signal?.aborted) throw stopped();
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    if (error instanceof StreamchaosError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? "unknown";
    throw new UserError("REPORT_WRITE_FAILED", {
      what: `The ${reporter} reporter could not write ${path}`,
      why: `${code}: ${error instanceof Error ? error.message : String(error)}`,
      fix: "Choose an output directory you can write to.",
      cause: error,
    });
  } finally {
    untrack();
  }
  return path;
}

/**
 * Checks before a run starts that the reports will have somewhere to go, so a bad --out costs
 * nothing but the message: it must be a folder (or not exist yet, under one), outside /proc and /sys,
 * and a file must be creatable in it. The check creates and removes what it tried; it leaves nothing.
 */
export async function checkOutputDir(outDir: string): Promise<void> {
  const dir = resolve(outDir);
  const existing = await nearestExisting(dir);
  if (!existing.isDirectory) {
    throw new UserError("REPORT_OUT_NOT_A_FOLDER", {
      what: `The report folder ${dir} cannot be used`,
      why: existing.path === dir ? `${dir} is a file` : `${existing.path} is a file`,
      fix: OUT_FIX,
    });
  }
  const real = join(await realpath(existing.path), relative(existing.path, dir));
  if (VIRTUAL_FS.test(real)) {
    throw new UserError("REPORT_OUT_UNWRITABLE", {
      what: `The report folder ${dir} cannot be used`,
      why: `${real} is under /${real.split("/")[1]}, a virtual filesystem that takes no files`,
      fix: OUT_FIX,
    });
  }
  let firstCreated: string | undefined;
  const probe = join(dir, `.streamchaos-write-check.${process.pid}.${randomBytes(4).toString("hex")}`);
  try {
    firstCreated = await mkdir(dir, { recursive: true });
    await (await open(probe, "wx")).close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown";
    throw new UserError("REPORT_OUT_UNWRITABLE", {
      what: `The report folder ${dir} cannot be written`,
      why: `${code}: ${error instanceof Error ? error.message : String(error)}`,
      fix: OUT_FIX,
      cause: error,
    });
  } finally {
    await rm(probe, { force: true }).catch(() => {});
    // Folders this check created, innermost first: the reporters create them again when they write.
    if (firstCreated) {
      for (let d = dir; d.startsWith(firstCreated); d = dirname(d)) {
        await rmdir(d).catch(() => {});
        if (d === firstCreated) break;
      }
    }
  }
}

/** The path itself or its nearest ancestor that exists, and whether that is a folder. */
async function nearestExisting(path: string): Promise<{ path: string; isDirectory: boolean }> {
  for (let p = path; ; p = dirname(p)) {
    const info = await stat(p).catch(() => undefined);
    if (info) return { path: p, isDirectory: info.isDirectory() };
    if (dirname(p) === p) return { path: p, isDirectory: false };
  }
}
