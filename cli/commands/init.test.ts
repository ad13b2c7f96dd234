import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadRunCatalog } from "../../harness/catalog.ts";
import { loadConfigFile } from "../../harness/config.ts";
import { captureOutput } from "../../lib/testing.ts";
import { main } from "../main.ts";

/** `streamchaos init`; the generated config running against a backend is tests/package.int.test.ts. */

const ENTRY = fileURLToPath(new URL("../../index.ts", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-init-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function init(argv: string[], pkg?: Record<string, unknown>) {
  const root = await mkdtemp(join(dir, "p-"));
  if (pkg) await writeFile(join(root, "package.json"), JSON.stringify(pkg));
  return { root, ...(await again(root, argv)) };
}

async function again(root: string, argv: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(["init", "--dir", root, ...argv], { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

describe("streamchaos init", () => {
  test("writes a config and an example scenario that load as they are (against the checkout's entry)", async () => {
    const { root, code, stdout } = await init(["--command", "node server.mjs"], {
      name: "@acme/chat-api",
      type: "module",
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/wrote .*streamchaos\.config\.ts\nwrote .*chaos\/example\.scenario\.ts/);
    for (const file of ["streamchaos.config.ts", "chaos/example.scenario.ts"]) {
      const path = join(root, file);
      const text = await readFile(path, "utf8");
      expect(text).toContain('from "streamchaos"');
      // What an installed package resolves "streamchaos" to, the checkout's sources here.
      await writeFile(path, text.replace('from "streamchaos"', `from ${JSON.stringify(ENTRY)}`));
    }
    const config = await loadConfigFile(join(root, "streamchaos.config.ts"));
    expect(config.backends[0]).toMatchObject({
      name: "chat-api",
      command: "node server.mjs",
      provider: "openai",
      env: { PORT: "{{port}}", OPENAI_BASE_URL: "{{provider.url}}" },
    });
    expect(config.include).toEqual(["chaos/**/*.scenario.ts"]);
    const catalog = await loadRunCatalog(config);
    const example = catalog.scenarios.find((s) => !s.source?.builtin);
    expect(example?.id).toBe("example-provider-cut-mid-answer");
  });

  test("the provider sets the variables its SDK reads and the contract preset", async () => {
    const { root, code } = await init(["--provider", "anthropic"], { type: "module" });
    expect(code).toBe(0);
    const text = await readFile(join(root, "streamchaos.config.ts"), "utf8");
    expect(text).toContain('ANTHROPIC_BASE_URL: "{{provider.url}}"');
    expect(text).toContain('preset: "anthropic-relay"');
    expect(text).toContain('command: "npm start"');
  });

  test("in a CommonJS package the files are .mts, which are ESM to tsc and to Node", async () => {
    const { root, code } = await init([], { name: "svc" });
    expect(code).toBe(0);
    const config = await readFile(join(root, "streamchaos.config.mts"), "utf8");
    expect(config).toContain('include: ["chaos/**/*.scenario.mts"]');
    await readFile(join(root, "chaos/example.scenario.mts"), "utf8");
  });

  test("never overwrites without --force: exit 2 naming the file, nothing written", async () => {
    const { root } = await init([], { type: "module" });
    await writeFile(join(root, "chaos/example.scenario.ts"), "// mine\n");
    await rm(join(root, "streamchaos.config.ts"));
    const refused = await again(root, []);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/INIT_FILE_EXISTS.*example\.scenario\.ts already exists/);
    expect(await readFile(join(root, "chaos/example.scenario.ts"), "utf8")).toBe("// mine\n");
    await expect(readFile(join(root, "streamchaos.config.ts"))).rejects.toMatchObject({ code: "ENOENT" });
    const forced = await again(root, ["--force"]);
    expect(forced.code).toBe(0);
    expect(await readFile(join(root, "chaos/example.scenario.ts"), "utf8")).toContain("defineScenario");
  });

  test("--help lists every flag with its default and an example; bad flags are exit 2", async () => {
    const help = await init(["--help"]);
    expect(help.code).toBe(0);
    for (const flag of ["--provider", "--command", "--dir", "--force"]) expect(help.stdout).toContain(flag);
    expect(help.stdout).toContain("(default: openai)");
    expect(help.stdout).toContain("(default: npm start)");
    expect(help.stdout).toMatch(/e\.g\. --provider anthropic/);
    expect((await init(["--provider", "bard"])).code).toBe(2);
    expect((await init(["--command", " "])).code).toBe(2);
  });
});
