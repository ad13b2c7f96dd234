import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { loadConfigFile } from "./config.ts";

const entry = new URL("../index.ts", import.meta.url).pathname;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-config-"));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const config = (body: string) =>
  `import { defineConfig } from ${JSON.stringify(entry)};\nexport default defineConfig(${body});\n`;
const backend = `{ name: "sut", command: "node server.js", provider: "openai", contract: "openai-relay" }`;

describe("loading streamchaos.config.ts", () => {
  test("from a project that is not an ES module package, leaving no temporary file behind", async () => {
    await writeFile(join(dir, "streamchaos.config.ts"), config(`{ backends: [${backend}], lanes: 3 }`));
    const loaded = await loadConfigFile(join(dir, "streamchaos.config.ts"));
    expect(loaded.lanes).toBe(3);
    expect(loaded.outDir).toBe(join(dir, ".streamchaos/report"));
    expect(await readdir(dir)).toEqual(["streamchaos.config.ts"]);
  });

  test("from an ES module package, and as JSON", async () => {
    await writeFile(join(dir, "package.json"), '{"type":"module"}');
    await writeFile(join(dir, "streamchaos.config.ts"), config(`{ backends: [${backend}] }`));
    expect((await loadConfigFile(join(dir, "streamchaos.config.ts"))).backends[0]!.name).toBe("sut");
    await writeFile(
      join(dir, "c.json"),
      JSON.stringify({
        backends: [{ name: "j", command: "x", provider: "anthropic", contract: "anthropic-relay" }],
      }),
    );
    expect((await loadConfigFile(join(dir, "c.json"))).backends[0]!.contract.name).toBe("anthropic-relay");
  });

  test.each([
    ["a syntax error", "export default {", /Cannot load config/],
    ["no default export", "export const config = {};", /has no default export/],
    [
      "an invalid value",
      config(`{ backends: [{ ...${backend}, provider: "bard" }] }`),
      /backends\[0\]\.provider/,
    ],
  ])("%s is a user error naming the file", async (_what, text, message) => {
    const file = join(dir, "streamchaos.config.ts");
    await writeFile(file, text);
    await expect(loadConfigFile(file)).rejects.toMatchObject({
      name: "UserError",
      message: expect.stringMatching(message),
    });
  });

  test("broken JSON names the file", async () => {
    await writeFile(join(dir, "c.json"), "{ backends: ");
    await expect(loadConfigFile(join(dir, "c.json"))).rejects.toThrow(/Invalid JSON in .*c\.json/);
  });
});
