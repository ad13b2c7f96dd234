import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../lib/tempdir.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { resolveConfig } from "./config.ts";
import { loadScenarioFiles, withIncluded } from "./scenario-files.ts";

const scenario = (id: string, extra: Partial<Scenario> = {}) => ({
  id,
  title: "t",
  incident: "failure class: x",
  category: "baseline",
  why: "w",
  script: { content: { cassette: "cassettes/rec.cassette.json" } },
  checks: ["clean-termination"],
  ...extra,
});

describe("scenario files a config includes", () => {
  it("reads JSON and modules; a relative cassette is read against the file that names it", async () => {
    await using dir = await makeTempDir("scenario-files");
    await writeFile(join(dir.path, "one.json"), JSON.stringify(scenario("mine")));
    await writeFile(join(dir.path, "two.json"), JSON.stringify([scenario("a"), scenario("b")]));
    await writeFile(
      join(dir.path, "three.mts"),
      `export default ${JSON.stringify(scenario("c", { script: { content: { text: "hi" } } }))};\n`,
    );
    const config = resolveConfig(
      {
        backends: [{ name: "b", command: "x", provider: "openai", contract: "openai-relay" }],
        include: ["one.json", "two.json", "three.mts"],
      },
      join(dir.path, "streamchaos.config.json"),
      dir.path,
    );
    const loaded = await loadScenarioFiles(config.include!);
    expect(loaded.map((s) => s.id)).toEqual(["mine", "a", "b", "c"]);
    expect(loaded[0]!.script.content!.cassette).toBe(join(dir.path, "cassettes/rec.cassette.json"));
    expect(loaded[3]!.script.content).toEqual({ text: "hi" });
    // An included scenario with a catalog id replaces it.
    const catalog = [{ ...loaded[1]!, title: "bundled" }, loaded[3]!] as Scenario[];
    expect(withIncluded(catalog, [loaded[1]!]).map((s) => [s.id, s.title])).toEqual([
      ["c", "t"],
      ["a", "t"],
    ]);
  });

  it("a missing file, bad JSON or a non-scenario is a UserError naming the file", async () => {
    await using dir = await makeTempDir("scenario-files");
    await writeFile(join(dir.path, "bad.json"), "{");
    await writeFile(join(dir.path, "half.json"), JSON.stringify({ id: "x", title: "t" }));
    await expect(loadScenarioFiles([join(dir.path, "gone.json")])).rejects.toThrow(
      /Cannot read the scenario file .*gone\.json: ENOENT/,
    );
    await expect(loadScenarioFiles([join(dir.path, "bad.json")])).rejects.toThrow(
      /Cannot load the scenario file/,
    );
    await expect(loadScenarioFiles([join(dir.path, "half.json")])).rejects.toThrow(
      /half\.json is not a scenario: missing incident, category, why, script, checks/,
    );
  });
});
