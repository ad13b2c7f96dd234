import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../harness/results.ts";
import { makeTempDir, type TempDir } from "../../lib/tempdir.ts";
import { captureOutput } from "../../lib/testing.ts";
import { failing, passing, run } from "../../reports/testing/fixtures.ts";
import { main } from "../main.ts";

let dir: TempDir;
beforeAll(async () => {
  dir = await makeTempDir("merge-test");
});
afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

async function file(name: string, content: RunResult | Record<string, unknown>): Promise<string> {
  const path = join(dir.path, name);
  await writeFile(path, JSON.stringify(content));
  return path;
}

async function cli(argv: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const shard = (index: number, total = 2) => ({ shard: { index, total, planHash: "0123456789abcdef" } });

describe("streamchaos merge", () => {
  it("writes one report set of the shards and says where each report went", async () => {
    const one = await file("one.json", run([passing("pre-a")], shard(1)));
    const two = await file("two.json", run([failing("mid-b", { expected: "fail" })], shard(2)));
    const out = join(dir.path, "report");
    const r = await cli(["merge", one, two, "--out", out, "--reporter", "json,junit"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const merged = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as RunResult;
    expect(merged.results.map((x) => x.scenario.id)).toEqual(["mid-b", "pre-a"]);
    expect(merged.summary).toMatchObject({ total: 2, passed: 1, failed: 1 });
    expect(r.stdout).toMatch(/reports written:\n {2}json {3}\S*results\.json\n {2}junit {2}\S*junit\.xml\n$/);
  });

  it("lists the html report's evidence folder with the page: a CI artifact needs both", async () => {
    const one = await file("html-one.json", run([passing("pre-a")], shard(1)));
    const two = await file("html-two.json", run([failing("mid-b")], shard(2)));
    const out = join(dir.path, "report-html");
    const r = await cli(["merge", one, two, "--out", out, "--reporter", "html"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(
      /reports written:\n {2}html {2}\S*report-files\/\n {2}html {2}\S*report\.html\n$/,
    );
    expect(await readFile(join(out, "report-files", "evidence-000.js"), "utf8")).toContain("pre-a");
  });

  it("a missing shard is named and the merged run does not pass", async () => {
    const one = await file("only-one.json", run([passing("pre-a")], shard(1, 3)));
    const r = await cli(["merge", one, "--out", join(dir.path, "r2"), "--reporter", "json"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("shard 2/3, 3/3 missing");
  });

  it("results of different schema versions: exit 2", async () => {
    const v1 = await file("v1.json", { ...run([passing("pre-a")]), schemaVersion: 1 });
    const v2 = await file("v2.json", run([passing("pre-b")]));
    const r = await cli(["merge", v1, v2, "--out", join(dir.path, "r3"), "--reporter", "json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "error[MERGE_SCHEMA_MISMATCH]: Cannot merge results of different schema versions",
    );
    expect(r.stderr).toContain("has schemaVersion 1");
  });

  it("overlapping shards: exit 2", async () => {
    const a = await file("a.json", run([passing("pre-a")], shard(1)));
    const b = await file("b.json", run([passing("pre-b")], shard(1)));
    const r = await cli(["merge", a, b, "--out", join(dir.path, "r4"), "--reporter", "json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error[MERGE_OVERLAP]: Shard 1/2 is given twice");
    const same = await cli(["merge", a, a, "--out", join(dir.path, "r4"), "--reporter", "json"]);
    expect(same.code).toBe(2);
  });

  it("no files, and an unknown reporter option: exit 2", async () => {
    const none = await cli(["merge", "--out", join(dir.path, "r5")]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("Missing RESULTS.json");
    const a = await file("c.json", run([passing("pre-a")]));
    const bad = await cli([
      "merge",
      a,
      "--reporter",
      "markdown",
      "--reporter-option",
      "report-ulr=https://x.example",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error[REPORTER_OPTION_UNKNOWN]: Unknown reporter option "report-ulr"');
    expect(bad.stderr).toContain('did you mean "report-url"?');
  });
});
