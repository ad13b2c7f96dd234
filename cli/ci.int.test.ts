import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bugBackends, hardenedBackends } from "../harness/demo.ts";
import type { RunResult } from "../harness/results.ts";
import { makeTempDir, type TempDir } from "../lib/tempdir.ts";
import { captureOutput } from "../lib/testing.ts";
import { main } from "./main.ts";

/**
 * The command line as a CI job uses it, on the Node reference backend behind the direct edge:
 * arguments as scenario globs, one plan split over two machines and merged back, --bail.
 */

let dir: TempDir;
beforeAll(async () => {
  dir = await makeTempDir("ci-cli-test");
});
afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

const PRE = ["pre-401-invalid-key", "pre-404-model-not-found", "pre-429-rate-limited"];

async function config(name: string, backend: object): Promise<string> {
  const file = join(dir.path, `${name}.json`);
  await writeFile(file, JSON.stringify({ backends: [backend], edges: ["direct"], lanes: 1 }));
  return file;
}

async function cli(argv: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

async function results(out: string): Promise<RunResult> {
  return JSON.parse(await readFile(join(out, "results.json"), "utf8")) as RunResult;
}

describe("streamchaos run in CI", () => {
  test("arguments select scenarios; two shards run each once; merge joins them", async () => {
    const file = await config("hardened", hardenedBackends({ python: false })[0]!);
    const shards: RunResult[] = [];
    for (const shard of ["1/2", "2/2"]) {
      const out = join(dir.path, `shard-${shard[0]}`);
      const r = await cli(["run", "--config", file, "pre-4*", "--shard", shard, "-r", "json", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`reports written:\n  json  ${join(out, "results.json")}\n`);
      shards.push(await results(out));
    }
    const ids = shards.map((run) => run.results.map((x) => x.scenario.id));
    expect(ids.flat().sort()).toEqual(PRE);
    expect(ids.every((share) => share.length > 0)).toBe(true);
    expect(shards[0]!.shard?.planHash).toBe(shards[1]!.shard?.planHash);

    const out = join(dir.path, "merged");
    const merged = await cli([
      "merge",
      join(dir.path, "shard-1", "results.json"),
      join(dir.path, "shard-2", "results.json"),
      "-r",
      "json,junit",
      "--out",
      out,
    ]);
    expect(merged.code, merged.stderr).toBe(0);
    expect((await results(out)).results.map((x) => x.scenario.id).sort()).toEqual(PRE);
  });

  test("--bail starts nothing after the first failure", async () => {
    const [buggy] = bugBackends({ "node-headers-before-first-chunk": [] }, { python: false });
    const { expectFailures: _, ...backend } = buggy!;
    const file = await config("buggy", backend);
    const out = join(dir.path, "bail");
    const r = await cli(["run", "--config", file, ...PRE, "--bail", "-r", "json", "--out", out]);
    expect(r.code).toBe(1);
    const run = await results(out);
    expect(run.results).toHaveLength(1);
    expect(run.results[0]!.status).toBe("fail");
    expect(run.bailed).toEqual({ after: expect.stringMatching(/^pre-401-invalid-key@/), notStarted: 2 });
    expect(r.stderr).toContain("stopped after pre-401-invalid-key@");
    expect(r.stderr).toContain("2 planned runs not started");
  });
});
