import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isUserError } from "../lib/errors.ts";
import { loadRunCatalog } from "./catalog.ts";
import { defineCheck, pass } from "./checks/check.ts";
import { getCheck, withUserChecks } from "./checks/index.ts";
import { resolveConfig } from "./config.ts";

/** A user's scenario, as plain data (defineScenario is the identity: files need no import). */
const scenario = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: `${id} title`,
  incident: "ACME-123: the checkout stream froze",
  category: "billing",
  why: "customers saw a spinner forever",
  script: { content: { tokens: ["a", "b"] } },
  checks: ["clean-termination"],
  ...extra,
});

const backend = {
  name: "sut",
  url: "http://127.0.0.1:9",
  providerPort: 9,
  provider: "openai",
  contract: "openai-relay",
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-catalog-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes files under a fresh folder and resolves a config as if it sat there. */
async function project(files: Record<string, string>, config: Record<string, unknown>) {
  const root = await mkdtemp(join(dir, "p-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(root, name, ".."), { recursive: true });
    await writeFile(join(root, name), text);
  }
  const file = join(root, "streamchaos.config.ts");
  return { root, config: resolveConfig({ backends: [backend], ...config }, file, root) };
}

const exportDefault = (value: unknown) => `export default ${JSON.stringify(value, null, 2)};\n`;

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isUserError(error), String(error)).toBe(true);
  return error as Error & { code: string };
}

describe("the run's catalog: the built-in scenarios and the user's own", () => {
  test("include globs, relative to the config, load files of one scenario or an array; each knows its file", async () => {
    const { root, config } = await project(
      {
        "chaos/checkout.scenario.ts": `import type {} from "node:http";\n${exportDefault(scenario("acme-checkout"))}`,
        "chaos/nested/pair.scenario.mjs": exportDefault([scenario("acme-a"), scenario("acme-b")]),
        "chaos/notes.md": "not a scenario",
      },
      { include: ["chaos/**/*.scenario.{ts,mjs}"] },
    );
    const catalog = await loadRunCatalog(config);
    const mine = catalog.scenarios.filter((s) => !s.source?.builtin);
    expect(mine.map((s) => s.id)).toEqual(["acme-checkout", "acme-a", "acme-b"]);
    expect(mine[0]!.source).toEqual({ builtin: false, file: join(root, "chaos/checkout.scenario.ts") });
    expect(mine[1]!.source?.file).toBe(join(root, "chaos/nested/pair.scenario.mjs"));
    expect(catalog.scenarios.find((s) => s.id === "happy-path")?.source?.builtin).toBe(true);
    expect(mine[0]!.category).toBe("billing");
  });

  test("an inline scenario joins the catalog and is selected beside ids and globs", async () => {
    const { root, config } = await project({}, { scenarios: ["pre-*", scenario("acme-inline")] });
    expect(config.scenarios).toEqual(["pre-*", "acme-inline"]);
    const catalog = await loadRunCatalog(config);
    const inline = catalog.scenarios.find((s) => s.id === "acme-inline");
    expect(inline?.source).toEqual({ builtin: false, file: join(root, "streamchaos.config.ts") });
  });

  test("a custom check is usable by name in a scenario, and found by name only inside its run", async () => {
    const tokens = defineCheck({
      name: "acme-two-tokens",
      description: "the answer has two tokens",
      run: () => pass("two tokens"),
    });
    const { config } = await project(
      {},
      {
        checks: [tokens],
        scenarios: [scenario("acme-checked", { checks: ["clean-termination", "acme-two-tokens"] })],
      },
    );
    const catalog = await loadRunCatalog(config);
    expect([...catalog.checks.keys()]).toEqual(["acme-two-tokens"]);
    await withUserChecks(catalog.checks, async () => {
      expect(await getCheck("acme-two-tokens", "test")).toBe(tokens);
      expect((await getCheck("clean-termination", "test")).name).toBe("clean-termination");
    });
    await expect(getCheck("acme-two-tokens", "test")).rejects.toMatchObject({ code: "UNKNOWN_CHECK" });
  });

  test("JSON files hold a scenario or a list; a relative cassette is read against the file naming it", async () => {
    const cassette = { content: { cassette: "cassettes/rec.cassette.json" } };
    const { root, config } = await project(
      {
        "chaos/one.json": JSON.stringify(scenario("acme-one", { script: cassette })),
        "chaos/more/two.json": JSON.stringify([scenario("acme-a"), scenario("acme-b")]),
      },
      { include: ["chaos/**/*.json"], scenarios: [scenario("acme-inline", { script: cassette })] },
    );
    const mine = (await loadRunCatalog(config)).scenarios.filter((s) => !s.source?.builtin);
    expect(mine.map((s) => s.id)).toEqual(["acme-a", "acme-b", "acme-one", "acme-inline"]);
    const byId = Object.fromEntries(mine.map((s) => [s.id, s]));
    expect(byId["acme-one"]!.script.content?.cassette).toBe(join(root, "chaos/cassettes/rec.cassette.json"));
    // Inline in the config: against the config's folder.
    expect(byId["acme-inline"]!.script.content?.cassette).toBe(join(root, "cassettes/rec.cassette.json"));
  });

  test("replaceBuiltins lets a scenario of the user's run in place of the built-in one of its id", async () => {
    const { config } = await project(
      { "repro/scenario.json": JSON.stringify(scenario("happy-path", { title: "as it ran" })) },
      { include: ["repro/scenario.json"], replaceBuiltins: true },
    );
    const happy = (await loadRunCatalog(config)).scenarios.filter((s) => s.id === "happy-path");
    expect(happy.map((s) => [s.title, s.source?.builtin])).toEqual([["as it ran", false]]);
  });

  test("an include glob that matches nothing is a warning naming the glob, not silence", async () => {
    const { config } = await project({}, { include: ["chaos/*.scenario.ts"] });
    const warnings: string[] = [];
    await loadRunCatalog(config, { warn: (line) => warnings.push(line) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/warning: include "chaos\/\*\.scenario\.ts" matches no file/);
  });
});

describe("the user's bad input is a UserError naming the file and the field", () => {
  test("a scenario file that throws: its error and where", async () => {
    const { config } = await project(
      { "chaos/boom.scenario.ts": `const x: number = 1;\nthrow new Error("ACME_KEY is not set " + x);\n` },
      { include: ["chaos/*.scenario.ts"] },
    );
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("SCENARIO_LOAD_FAILED");
    expect(error.message).toMatch(
      /boom\.scenario\.ts.*ACME_KEY is not set 1 \(at .*boom\.scenario\.ts:\d+:\d+\)/,
    );
  });

  test("a JSON file that does not parse", async () => {
    const { config } = await project({ "chaos/bad.json": "{" }, { include: ["chaos/*.json"] });
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("SCENARIO_LOAD_FAILED");
    expect(error.message).toMatch(/bad\.json: .*JSON/);
  });

  test("a scenario file that exports nothing", async () => {
    const { config } = await project(
      { "chaos/empty.scenario.mjs": `export const acme = ${JSON.stringify(scenario("acme-named"))};\n` },
      { include: ["chaos/*"] },
    );
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("SCENARIO_INVALID");
    expect(error.message).toMatch(
      /empty\.scenario\.mjs exports nothing: default export: missing \(it exports acme by name\)/,
    );
  });

  test("a scenario whose id is a built-in one", async () => {
    const { config } = await project(
      { "chaos/dup.scenario.mjs": exportDefault([scenario("acme-ok"), scenario("happy-path")]) },
      { include: ["chaos/*"] },
    );
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("SCENARIO_INVALID");
    expect(error.message).toMatch(
      /dup\.scenario\.mjs: default\[1\]\.id: "happy-path" is already the id of a built-in scenario/,
    );
  });

  test("two of the user's scenarios with one id name the other file", async () => {
    const { root, config } = await project(
      { "chaos/a.scenario.mjs": exportDefault(scenario("acme-x")) },
      { include: ["chaos/*"], scenarios: [scenario("acme-x")] },
    );
    const error = await failure(loadRunCatalog(config));
    expect(error.message).toMatch(
      /inline scenario in .*streamchaos\.config\.ts: scenarios\[0\]\.id: "acme-x"/,
    );
    expect(error.message).toContain(join(root, "chaos/a.scenario.mjs"));
  });

  test.each([
    [
      "an unknown field (a typo)",
      { check: ["clean-termination"] },
      /bad\.scenario\.mjs: check: unknown field "check"/,
    ],
    [
      "a field of the wrong type",
      // "D" would pass the schema: a link's name is checked against the run's backends (SCENARIO_UNKNOWN_LINK).
      { toxics: [{ hop: 2, type: "latency" }] },
      /toxics\[0\]\.hop: Invalid input: expected string/,
    ],
    [
      "a fault the fake does not know",
      { script: { faults: [{ fault: "explode" }] } },
      /script\.faults\[0\]\.fault: unknown fault "explode"/,
    ],
    [
      "a toxic Toxiproxy does not have",
      { toxics: [{ hop: "C", type: "lag" }] },
      /toxics\[0\]\.type: unknown toxic "lag"/,
    ],
    ["an empty incident", { incident: "" }, /incident: name the incident/],
    [
      "a deciding check it does not run",
      { decidedBy: ["answer-intact"] },
      /decidedBy\[0\]: "answer-intact" is not one/,
    ],
  ])("%s", async (_what, extra, message) => {
    const { config } = await project(
      { "chaos/bad.scenario.mjs": exportDefault(scenario("acme-bad", extra)) },
      { include: ["chaos/*"] },
    );
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("SCENARIO_INVALID");
    expect(error.message).toMatch(message);
  });

  test("a check a scenario names but nobody defines", async () => {
    const { config } = await project(
      {
        "chaos/c.scenario.mjs": exportDefault(
          scenario("acme-c", { checks: ["clean-termination", "acme-undefined"] }),
        ),
      },
      { include: ["chaos/*"] },
    );
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("UNKNOWN_CHECK");
    expect(error.message).toMatch(/c\.scenario\.mjs: checks\[1\]: unknown check "acme-undefined"/);
    expect(error.message).toContain("defineCheck");
  });

  test("a custom check named like a built-in one, or defined wrong", async () => {
    const clash = defineCheck({ name: "clean-termination", description: "mine", run: () => pass("x") });
    const { config } = await project({}, { checks: [clash] });
    const error = await failure(loadRunCatalog(config));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.message).toMatch(
      /streamchaos\.config\.ts: checks\[0\]\.name: "clean-termination" is a built-in check/,
    );
    const { config: noRun } = await project({}, { checks: [{ name: "acme-x", description: "d" }] });
    expect((await failure(loadRunCatalog(noRun))).message).toMatch(/checks\[0\]\.run: a function/);
  });
});
