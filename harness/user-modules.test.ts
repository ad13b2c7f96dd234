import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { describeLoadError, importUserModule } from "./user-modules.ts";

/**
 * The user's config and scenario files as tsx loads them: a syntax error is reported by what esbuild
 * found and where in the user's file (not "Transform failed with 1 error:"), also when the file was
 * loaded through its temporary .mts copy (a package that is not "type": "module").
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-user-modules-"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name: "app", private: true }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function loadError(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  const error = await importUserModule(file).then(
    () => undefined,
    (cause: unknown) => cause,
  );
  expect(error).toBeDefined();
  return describeLoadError(error, file);
}

describe("describeLoadError", () => {
  test("a syntax error: what esbuild found, at the line and column of the user's file", async () => {
    const why = await loadError("syntax.scenario.ts", 'const a = 1;\nexport default { id: "x",, };\n');
    expect(why).toBe('Expected identifier but found "," (at syntax.scenario.ts:2:25)');
    // The temporary copy is gone.
    expect((await readdir(dir)).filter((f) => f.endsWith(".mts"))).toEqual([]);
  });

  test("several syntax errors: the first, and how many more", async () => {
    const why = await loadError(
      "two.scenario.mts",
      "let a = 1;\nlet a = 2;\nlet b = 1;\nlet b = 2;\nexport default a + b;\n",
    );
    expect(why).toMatch(
      /^The symbol "a" has already been declared \(at two\.scenario\.mts:2:4\) \(and 1 more\)$/,
    );
  });

  test("a thrown error: its first line and where in the file it was thrown", async () => {
    const why = await loadError(
      "throws.scenario.ts",
      'const key: string | undefined = undefined;\nif (!key) throw new Error("ACME_KEY is not set\\nsecond line");\n',
    );
    // The line is source-mapped by Node under the CLI (tests/package.int.test.ts checks it there);
    // vitest's own stack formatting leaves tsx's output positions.
    expect(why).toMatch(/^ACME_KEY is not set \(at throws\.scenario\.ts:\d+:\d+\)$/);
  });
});
