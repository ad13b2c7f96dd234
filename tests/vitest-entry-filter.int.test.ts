import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTempDir, type TempDir } from "../lib/tempdir.ts";

/**
 * The vitest entry as a user's vitest runs it: `-t` keeps some tests (and the run does only those),
 * a failing test's message is the verdict, and `vitest --shard` deals suite files out whole.
 */

const ROOT = resolve(import.meta.dirname, "..");
const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
let dir: TempDir;

beforeAll(async () => {
  dir = await makeTempDir("vitest-entry-filter");
  const suite = (scenarios: string[], shard?: string) =>
    [
      `import { streamchaosSuite } from ${JSON.stringify(join(ROOT, "harness", "vitest.ts"))};`,
      `import { bugBackends, hardenedBackends } from ${JSON.stringify(join(ROOT, "harness", "demo.ts"))};`,
      `const [buggy] = bugBackends({ "node-headers-before-first-chunk": [] }, { python: false });`,
      `streamchaosSuite({`,
      `  backends: [hardenedBackends({ python: false })[0], { ...buggy, expectFailures: undefined }],`,
      `  edges: ["direct"], lanes: 1, scenarios: ${JSON.stringify(scenarios)},`,
      `}${shard ? `, { shard: ${JSON.stringify(shard)} }` : ""});`,
    ].join("\n");
  await writeFile(
    join(dir.path, "a.chaos.test.ts"),
    suite(["pre-401-invalid-key", "pre-404-model-not-found"]),
  );
  await writeFile(join(dir.path, "b.chaos.test.ts"), suite(["pre-429-rate-limited"]));
  // Plain object: a config outside the repository cannot import vitest/config.
  await writeFile(
    join(dir.path, "vitest.config.mjs"),
    `export default { test: { include: ["*.chaos.test.ts"], testTimeout: 120000 } };\n`,
  );
});
afterAll(async () => {
  await dir[Symbol.asyncDispose]();
});

interface JsonReport {
  testResults: Array<{
    name: string;
    assertionResults: Array<{ title: string; status: string; failureMessages: string[] }>;
  }>;
}

async function vitest(args: string[], out: string): Promise<JsonReport> {
  const child = spawn(
    process.execPath,
    [VITEST, "run", "--root", dir.path, "--reporter=json", `--outputFile=${join(dir.path, out)}`, ...args],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  await new Promise((done) => child.on("close", done));
  try {
    return JSON.parse(await readFile(join(dir.path, out), "utf8")) as JsonReport;
  } catch {
    throw new Error(`vitest wrote no report; its stderr:\n${stderr}`);
  }
}

const tests = (report: JsonReport) =>
  report.testResults.flatMap((file) => file.assertionResults.map((t) => ({ ...t, file: file.name })));

describe("streamchaos/vitest under vitest", () => {
  test("one test per scenario × backend × edge; -t keeps some; the failure is the verdict", async () => {
    const report = await vitest(["a.chaos.test.ts", "-t", "pre-401"], "filtered.json");
    const all = tests(report);
    expect(all.map((t) => `${t.title} ${t.status}`).sort()).toEqual([
      "pre-401-invalid-key [node-headers-before-first-chunk via direct:default] failed",
      "pre-401-invalid-key [node-openai via direct:default] passed",
      "pre-404-model-not-found [node-headers-before-first-chunk via direct:default] skipped",
      "pre-404-model-not-found [node-openai via direct:default] skipped",
    ]);
    const failed = all.find((t) => t.status === "failed")!;
    expect(failed.failureMessages[0]).toMatch(/^StreamchaosVerdict: fail: [\w-]+: /);
    expect(failed.failureMessages[0]).toMatch(/\n {4}\[\w+\] /);
  });

  test("vitest --shard deals the suite files out, each test on one machine", async () => {
    const one = tests(await vitest(["--shard=1/2"], "shard-1.json"));
    const two = tests(await vitest(["--shard=2/2"], "shard-2.json"));
    const names = (list: typeof one) => list.map((t) => t.title);
    expect(new Set(one.map((t) => t.file)).size).toBe(1);
    expect(new Set(two.map((t) => t.file)).size).toBe(1);
    expect([...names(one), ...names(two)].sort()).toEqual(
      [
        "pre-401-invalid-key [node-headers-before-first-chunk via direct:default]",
        "pre-401-invalid-key [node-openai via direct:default]",
        "pre-404-model-not-found [node-headers-before-first-chunk via direct:default]",
        "pre-404-model-not-found [node-openai via direct:default]",
        "pre-429-rate-limited [node-headers-before-first-chunk via direct:default]",
        "pre-429-rate-limited [node-openai via direct:default]",
      ].sort(),
    );
  });
});
