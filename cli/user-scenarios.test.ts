import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { captureOutput } from "../lib/testing.ts";
import { main } from "./main.ts";

/**
 * The user's own scenarios through the CLI: `list` shows them beside the built-in ones, and every
 * bad input is exit 2 naming the file and the field, before anything starts (no backend here could).
 */

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-user-scenarios-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const scenario = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: `the ${id} incident`,
  incident: "ACME-7: answers cut at 4 KB",
  category: "acme",
  why: "w",
  script: { content: { tokens: ["a"] } },
  checks: ["clean-termination"],
  ...extra,
});

async function cli(argv: string[], files: Record<string, string>, config: Record<string, unknown>) {
  const root = await mkdtemp(join(dir, "p-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(root, name, ".."), { recursive: true });
    await writeFile(join(root, name), text);
  }
  const file = join(root, "streamchaos.config.json");
  const backend = { name: "sut", command: ["false"], provider: "openai", contract: "openai-relay" };
  await writeFile(file, JSON.stringify({ backends: [backend], ...config }));
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main([...argv, "--config", file], { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const file = (value: unknown) => `export default ${JSON.stringify(value)};\n`;

describe("streamchaos list with the user's config", () => {
  test("shows the user's scenarios beside the built-in ones, marked as theirs with their file", async () => {
    const result = await cli(
      ["list"],
      { "chaos/cut.scenario.mjs": file(scenario("acme-cut")) },
      {
        include: ["chaos/*.scenario.mjs"],
        scenarios: [scenario("acme-inline")],
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      /\nacme\n {2}acme-cut +\[yours\] the acme-cut incident \(.*chaos\/cut\.scenario\.mjs\)/,
    );
    expect(result.stdout).toMatch(
      /acme-inline +\[yours\] the acme-inline incident \(.*streamchaos\.config\.json\)/,
    );
    expect(result.stdout).toMatch(/ {2}happy-path {2,}A paced answer/);
    expect(result.stdout).toMatch(/scenarios \(2 yours\)/);
  });

  test("an include glob that matches nothing is a warning on stderr", async () => {
    const result = await cli(["list"], {}, { include: ["chaos/**/*.scenario.ts"] });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/warning: include "chaos\/\*\*\/\*\.scenario\.ts" matches no file/);
  });
});

describe("streamchaos run: the user's bad scenario or check is exit 2 naming file and field", () => {
  test.each([
    [
      "a file that throws",
      "chaos/a.scenario.mjs",
      'throw new Error("no ACME_KEY");\n',
      /a\.scenario\.mjs.*no ACME_KEY/s,
    ],
    [
      "a file that exports nothing",
      "chaos/a.scenario.mjs",
      "export const x = 1;\n",
      /a\.scenario\.mjs exports nothing.*default export/s,
    ],
    [
      "a built-in id",
      "chaos/a.scenario.mjs",
      file(scenario("happy-path")),
      /a\.scenario\.mjs.*id: "happy-path" is already the id of a built-in/s,
    ],
    [
      "an invalid field",
      "chaos/a.scenario.mjs",
      file(scenario("acme-a", { requests: [{ disconnect: { afterEvents: -1 } }] })),
      /a\.scenario\.mjs.*requests\[0\]\.disconnect\.afterEvents/s,
    ],
    [
      "a check nobody defines",
      "chaos/a.scenario.mjs",
      file(scenario("acme-a", { checks: ["acme-nope"] })),
      /a\.scenario\.mjs.*checks\[0\]: unknown check "acme-nope"/s,
    ],
  ])("%s", async (_what, name, text, message) => {
    const result = await cli(["run"], { [name]: text }, { include: ["chaos/*"] });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test("a JSON config cannot carry a check's code: the field says so", async () => {
    const result = await cli(["run"], {}, { checks: [{ name: "acme-x", description: "d" }] });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/streamchaos\.config\.json.*checks\[0\]\.run: a function/s);
  });
});
