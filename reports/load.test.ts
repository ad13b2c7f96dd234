import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../lib/tempdir.ts";
import { readRunResult } from "./load.ts";
import { mixedRun } from "./testing/fixtures.ts";

describe("readRunResult", () => {
  async function withFile(content: string, fn: (path: string) => Promise<void>) {
    await using dir = await makeTempDir("load-test");
    const path = join(dir.path, "results.json");
    await writeFile(path, content);
    await fn(path);
  }

  it("reads a results.json and keeps fields it does not check", async () => {
    const run = { ...mixedRun(), extra: "kept" };
    await withFile(JSON.stringify(run), async (path) => {
      const back = await readRunResult(path);
      expect(back.results).toHaveLength(10);
      expect((back as unknown as { extra: string }).extra).toBe("kept");
    });
  });

  it("says the file is missing", async () => {
    await expect(readRunResult("/nonexistent/results.json")).rejects.toMatchObject({
      code: "REPORT_PREVIOUS_UNREADABLE",
      name: "UserError",
      why: expect.stringContaining("ENOENT"),
    });
  });

  it("says the file is not JSON", async () => {
    await withFile("{ not json", async (path) => {
      await expect(readRunResult(path)).rejects.toMatchObject({ code: "REPORT_PREVIOUS_INVALID" });
    });
  });

  it("names a different schemaVersion", async () => {
    await withFile(JSON.stringify({ ...mixedRun(), schemaVersion: 2 }), async (path) => {
      await expect(readRunResult(path)).rejects.toMatchObject({
        code: "REPORT_PREVIOUS_INVALID",
        why: "its schemaVersion is 2, this version reads 1",
      });
    });
  });

  it("names the field that is wrong", async () => {
    const run = mixedRun();
    const broken = { ...run, results: [{ ...run.results[0], status: "exploded" }] };
    await withFile(JSON.stringify(broken), async (path) => {
      await expect(readRunResult(path)).rejects.toMatchObject({
        code: "REPORT_PREVIOUS_INVALID",
        why: expect.stringContaining("results.0.status"),
      });
    });
  });
});
