import { stat } from "node:fs/promises";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../lib/tempdir.ts";
import { createReporters, reporters } from "./index.ts";
import { mixedRun } from "./testing/fixtures.ts";

const options = () => ({ stream: new PassThrough(), isTTY: false });

describe("reporter registry", () => {
  it("registers the six reporters by name", () => {
    expect(Object.keys(reporters).sort()).toEqual(["console", "github", "html", "json", "junit", "markdown"]);
    const env = { GITHUB_STEP_SUMMARY: "/nonexistent/summary.md" };
    for (const [name, factory] of Object.entries(reporters))
      expect(factory({ ...options(), env }).name).toBe(name);
  });

  it("rejects an unknown name with the list of known ones", () => {
    expect(() => createReporters(["console", "xml"], options())).toThrow(
      expect.objectContaining({ code: "REPORTER_UNKNOWN", why: expect.stringContaining("junit") }),
    );
    expect(() => createReporters(["junti"], options())).toThrow(
      expect.objectContaining({ why: expect.stringMatching(/; did you mean "junit"\?$/) }),
    );
    expect(() => createReporters(["toString"], options())).toThrow(
      expect.objectContaining({ code: "REPORTER_UNKNOWN" }),
    );
  });

  it("rejects a repeated name", () => {
    expect(() => createReporters(["json", " json"], options())).toThrow(
      expect.objectContaining({ code: "REPORTER_REPEATED" }),
    );
  });

  it("every file reporter writes its own file into outDir", async () => {
    await using dir = await makeTempDir("registry-test");
    // github writes to the job summary, outside outDir (reports/github.test.ts).
    const all = createReporters(
      Object.keys(reporters).filter((name) => name !== "github"),
      options(),
    );
    const run = mixedRun();
    const files: string[] = [];
    for (const reporter of all)
      files.push(...(await reporter.onFinish(run, { outDir: dir.path, previous: run })).files);
    expect(files.map((f) => f.slice(dir.path.length + 1)).sort()).toEqual([
      "junit.xml",
      // report.html's evidence files: the folder is listed once, like the files the run names.
      "report-files/",
      "report.html",
      "results.json",
      "summary.md",
    ]);
    for (const file of files) expect((await stat(file)).size).toBeGreaterThan(100);
  });
});
