import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { main } from "../cli/main.ts";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends } from "../harness/demo.ts";
import type { RunResult, ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { captureOutput } from "../lib/testing.ts";
import { createReporters } from "../reports/index.ts";

/**
 * `streamchaos repro` end to end: a bug variant of the node reference backend fails a scenario that
 * replays a cassette with a fault; repro writes its folder; running that folder alone gives the same
 * verdict and the same failing checks.
 */
const SCENARIO = "replay-openai-tool-calls-rst-mid-arguments";
const BACKEND = "node-raise-mid-stream";

async function cli(args: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(args, { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const failing = (result: ScenarioResult) =>
  result.checks
    .filter((c) => c.status === "fail")
    .map((c) => c.check)
    .sort();

describe("streamchaos repro", () => {
  test("re-runs one failing result of a bug variant with the same verdict and failing checks", async () => {
    await using dir = await makeTempDir("repro");
    const originalOut = join(dir.path, "original");
    const config = resolveConfig(
      {
        backends: bugBackends({ [BACKEND]: [SCENARIO] }, { python: false }),
        edges: ["direct"],
        scenarios: [SCENARIO],
        lanes: 1,
        outDir: originalOut,
      },
      "test",
    );
    await runSuite({
      config,
      reporters: createReporters(["json"], { stream: captureOutput().stream, isTTY: false }),
    });
    const original = JSON.parse(await readFile(join(originalOut, "results.json"), "utf8")) as RunResult;
    const [result] = original.results;
    expect(result).toMatchObject({ status: "fail", expected: "fail" });
    // The results carry what a repro needs, secrets masked.
    expect(original.setup?.backends[0]).toMatchObject({
      name: BACKEND,
      contract: { preset: "openai-relay", capabilities: { sessions: true } },
      env: { PROVIDER_API_KEY: "[redacted]", BUGS: "raise-mid-stream" },
    });
    expect(Object.keys(original.setup?.cassettes ?? {})).toEqual([
      expect.stringMatching(/scenarios\/catalog\/cassettes\/openai-tool-calls\.cassette\.json$/),
    ]);

    const reproDir = join(dir.path, "repro");
    const repro = await cli([
      "repro",
      join(originalOut, "results.json"),
      `${SCENARIO}@${BACKEND}/direct`,
      "--out",
      reproDir,
    ]);
    expect(repro.stderr).toBe("");
    expect(repro.code).toBe(0);
    expect(repro.stdout).toContain(`run it: cd ${reproDir} && npx streamchaos run`);
    const readme = await readFile(join(reproDir, "README.md"), "utf8");
    expect(readme).toContain(`cd ${reproDir} && npx streamchaos run`);
    expect(readme).toContain("Verdict: **fail (expected: fail)**");
    for (const check of failing(result!)) expect(readme).toContain(`| \`${check}\` | fail |`);
    expect(readme).toMatch(/env PROVIDER_API_KEY masked/);
    const scenario = JSON.parse(await readFile(join(reproDir, "scenario.json"), "utf8"));
    expect(scenario.script.content.cassette).toBe("./openai-tool-calls.cassette.json");

    const rerun = await cli([
      "run",
      "--config",
      join(reproDir, "streamchaos.config.json"),
      "--reporter",
      "json",
    ]);
    expect(rerun.stderr).toBe("");
    expect(rerun.code).toBe(1);
    const again = JSON.parse(await readFile(join(reproDir, "report", "results.json"), "utf8")) as RunResult;
    expect(again.results).toHaveLength(1);
    const [replayed] = again.results;
    expect(replayed).toMatchObject({
      scenario: { id: SCENARIO },
      backend: BACKEND,
      edge: "direct",
      status: "fail",
    });
    expect(replayed!.expected).toBeUndefined();
    expect(failing(replayed!)).toEqual(failing(result!));
  }, 180_000);
});
