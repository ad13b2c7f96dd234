import { chmod, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../lib/tempdir.ts";
import { checkOutputDir, writeReportFile } from "./output.ts";

const PREVIOUS = `${JSON.stringify({ previous: true, padding: "x".repeat(1000) })}\n`;
/** Three and a bit write chunks, so that a stop after the first one leaves a half-written temp file. */
const NEXT = "y".repeat(3 * 64 * 1024 + 17);

describe("writeReportFile", () => {
  it("replaces the file whole: a stop while writing (Ctrl-C) leaves the previous file byte-identical", async () => {
    await using dir = await makeTempDir("output-test");
    const path = join(dir.path, "results.json");
    await writeFile(path, PREVIOUS);
    const stop = new AbortController();
    const written: number[] = [];
    const writing = writeReportFile("json", dir.path, "results.json", NEXT, {
      signal: stop.signal,
      // A slow disk: the user presses Ctrl-C once the first chunk is out.
      beforeChunk: async (offset) => {
        written.push(offset);
        if (offset > 0) stop.abort(new Error("SIGINT"));
      },
    });
    await expect(writing).rejects.toMatchObject({ code: "REPORT_WRITE_INTERRUPTED" });
    expect(written).toEqual([0, 64 * 1024]);
    expect(await readFile(path, "utf8")).toBe(PREVIOUS);
    expect(await readdir(dir.path)).toEqual(["results.json"]);
  });

  it("a failure while writing leaves the previous file and no temp file", async () => {
    await using dir = await makeTempDir("output-test");
    const path = join(dir.path, "results.json");
    await writeFile(path, PREVIOUS);
    const writing = writeReportFile("json", dir.path, "results.json", NEXT, {
      beforeChunk: (offset) => {
        if (offset > 0) throw Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
      },
    });
    await expect(writing).rejects.toMatchObject({
      code: "REPORT_WRITE_FAILED",
      why: expect.stringContaining("ENOSPC"),
    });
    expect(await readFile(path, "utf8")).toBe(PREVIOUS);
    expect(await readdir(dir.path)).toEqual(["results.json"]);
  });

  it("writes the new content whole when nothing stops it, creating the folder", async () => {
    await using dir = await makeTempDir("output-test");
    const path = await writeReportFile("json", join(dir.path, "a", "b"), "results.json", NEXT);
    expect(path).toBe(join(dir.path, "a", "b", "results.json"));
    expect(await readFile(path, "utf8")).toBe(NEXT);
    expect(await readdir(join(dir.path, "a", "b"))).toEqual(["results.json"]);
  });
});

describe("checkOutputDir: --out is checked before the run starts", () => {
  it("accepts a folder that does not exist yet, and leaves nothing behind", async () => {
    await using dir = await makeTempDir("output-test");
    await checkOutputDir(join(dir.path, "new", "report"));
    expect(await readdir(dir.path)).toEqual([]);
  });

  it("accepts an existing folder and leaves its files alone", async () => {
    await using dir = await makeTempDir("output-test");
    await writeFile(join(dir.path, "results.json"), PREVIOUS);
    await checkOutputDir(dir.path);
    expect(await readdir(dir.path)).toEqual(["results.json"]);
  });

  it("rejects a path that is a file", async () => {
    await using dir = await makeTempDir("output-test");
    const file = join(dir.path, "report.txt");
    await writeFile(file, "");
    await expect(checkOutputDir(file)).rejects.toMatchObject({
      code: "REPORT_OUT_NOT_A_FOLDER",
      what: expect.stringContaining(file),
      fix: expect.stringContaining("--out"),
    });
  });

  it("rejects a path under a file", async () => {
    await using dir = await makeTempDir("output-test");
    await writeFile(join(dir.path, "report.txt"), "");
    await expect(checkOutputDir(join(dir.path, "report.txt", "out"))).rejects.toMatchObject({
      code: "REPORT_OUT_NOT_A_FOLDER",
      why: expect.stringContaining("report.txt is a file"),
    });
  });

  it("rejects /proc and /sys: nothing written there is a file", async () => {
    await expect(checkOutputDir("/proc/streamchaos-report")).rejects.toMatchObject({
      code: "REPORT_OUT_UNWRITABLE",
      why: expect.stringContaining("/proc"),
    });
    await expect(checkOutputDir("/proc/self")).rejects.toMatchObject({ code: "REPORT_OUT_UNWRITABLE" });
    await expect(checkOutputDir("/sys/kernel")).rejects.toMatchObject({ code: "REPORT_OUT_UNWRITABLE" });
  });

  // As root, permission bits do not stop writes (CAP_DAC_OVERRIDE), so a chmod 555 folder is writable and
  // this case cannot be made to fail; the /proc and under-a-file cases cover the same path as root.
  it.skipIf(process.getuid?.() === 0)("rejects a folder it may not write to", async () => {
    await using dir = await makeTempDir("output-test");
    const locked = join(dir.path, "locked");
    await mkdir(locked);
    await chmod(locked, 0o555);
    try {
      await expect(checkOutputDir(join(locked, "report"))).rejects.toMatchObject({
        code: "REPORT_OUT_UNWRITABLE",
        why: expect.stringMatching(/EACCES|EPERM/),
      });
    } finally {
      await chmod(locked, 0o755);
    }
  });
});
