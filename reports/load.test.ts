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
    await withFile(JSON.stringify({ ...mixedRun(), schemaVersion: 3 }), async (path) => {
      await expect(readRunResult(path)).rejects.toMatchObject({
        code: "REPORT_PREVIOUS_INVALID",
        why: "its schemaVersion is 3, this version reads 1 and 2",
      });
    });
  });

  it("reads a version 1 file (before inconclusive, not-applicable and interrupted) and recounts it", async () => {
    const run = mixedRun();
    const { inconclusive: _i, notApplicable: _n, interrupted: _x, ...oldSummary } = run.summary;
    await withFile(JSON.stringify({ ...run, schemaVersion: 1, summary: oldSummary }), async (path) => {
      const back = await readRunResult(path);
      expect(back.schemaVersion).toBe(2);
      expect(back.summary).toEqual(run.summary);
      expect(back.summary.inconclusive).toBe(0);
    });
  });

  it("reads every status of version 2", async () => {
    const run = mixedRun();
    const statuses = ["inconclusive", "not-applicable", "interrupted"] as const;
    const results = statuses.map((status, i) => ({ ...run.results[i]!, status }));
    await withFile(JSON.stringify({ ...run, results }), async (path) => {
      expect((await readRunResult(path)).results.map((r) => r.status)).toEqual(statuses);
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
