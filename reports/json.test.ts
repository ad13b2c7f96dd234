import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../lib/tempdir.ts";
import { createJsonReporter, renderJson } from "./json.ts";
import { readRunResult } from "./load.ts";
import { mixedRun, NASTY } from "./testing/fixtures.ts";

describe("json reporter", () => {
  it("keeps every field and every evidence byte (lone surrogates escaped, still valid JSON)", () => {
    const original = mixedRun();
    const text = renderJson(original);
    expect(text).toContain('"schemaVersion": 2');
    expect(text).toContain("\\ud800");
    const back = JSON.parse(text);
    expect(back.results[2].checks[0].evidence[0].value).toBe(NASTY);
    expect(back).toEqual(JSON.parse(JSON.stringify(original)));
  });

  it("masks secrets everywhere in the run and leaves the caller's object alone", () => {
    const original = mixedRun();
    original.results[0]?.timeline.push({
      t: 1,
      source: "backend",
      kind: "log",
      detail: "x-api-key: sk-ant-abcdefghijklmnopqr",
    });
    const text = renderJson(original);
    expect(text).toContain('"detail": "x-api-key: [redacted]"');
    expect(text).not.toContain("abcdefghijklmnopqr");
    expect(original.results[0]?.timeline.at(-1)?.detail).toContain("sk-ant-");
  });

  it("writes results.json that readRunResult reads back", async () => {
    await using dir = await makeTempDir("json-test");
    const run = mixedRun();
    const out = await createJsonReporter().onFinish(run, { outDir: dir.path });
    expect(out.files[0]).toMatch(/results\.json$/);
    expect(JSON.parse(await readFile(out.files[0] ?? "", "utf8")).summary).toEqual(run.summary);
    const back = await readRunResult(out.files[0] ?? "");
    expect(back.results).toHaveLength(10);
  });

  it("a Ctrl-C while results.json is written leaves the previous one byte-identical", async () => {
    await using dir = await makeTempDir("json-test");
    const previous = await createJsonReporter().onFinish(mixedRun(), { outDir: dir.path });
    const before = await readFile(previous.files[0] ?? "");
    const stop = new AbortController();
    stop.abort(new Error("SIGINT received"));
    const next = { ...mixedRun(), durationMs: 1 };
    await expect(
      createJsonReporter().onFinish(next, { outDir: dir.path, signal: stop.signal }),
    ).rejects.toMatchObject({ code: "REPORT_WRITE_INTERRUPTED" });
    expect(await readFile(previous.files[0] ?? "")).toEqual(before);
    expect(await readdir(dir.path)).toEqual(["results.json"]);
  });
});
