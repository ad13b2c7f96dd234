import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cassetteWith } from "../fakes/cassettes/testing/build.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { loadCatalog } from "../scenarios/index.ts";
import { defineScenario, type Scenario } from "../scenarios/scenario.ts";
import { checkReplays, inlineCassette } from "./scenario-cassettes.ts";

const recording = cassetteWith([
  [2, 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'],
  [3, "data: [DONE]\n\n"],
]);

const scenario = (script: Scenario["script"]): Scenario =>
  defineScenario({
    id: "s",
    title: "t",
    incident: "failure class: x",
    category: "baseline",
    why: "w",
    script,
    checks: [],
  });

describe("scenarios that replay cassettes", () => {
  it("the catalog's replays name their recording's provider, read from the cassette", async () => {
    const catalog = await loadCatalog();
    const replayed = checkReplays(catalog);
    expect(Object.fromEntries(replayed)).toEqual({
      "replay-anthropic-thinking-fin-in-tool-use": "anthropic",
      "replay-anthropic-thinking-tool-use": "anthropic",
      "replay-openai-tool-calls": "openai",
      "replay-openai-tool-calls-rst-mid-arguments": "openai",
    });
    // defineScenario keeps a URL as the file's path, so a scenario stays plain data.
    expect(catalog.find((s) => s.id === "replay-openai-tool-calls")!.script.content!.cassette).toMatch(
      /\/scenarios\/catalog\/cassettes\/openai-tool-calls\.cassette\.json$/,
    );
  });

  it("a cassette that cannot be replayed is a UserError naming the scenario, the field and its size", async () => {
    await using dir = await makeTempDir("scenario-cassettes");
    const file = join(dir.path, "r.cassette.json");
    await writeFile(file, JSON.stringify(recording));
    expect(() =>
      checkReplays([scenario({ content: { cassette: join(dir.path, "gone.cassette.json") } })]),
    ).toThrow(
      /Scenario "s" cannot replay its cassette: content\.cassette: Cannot read the cassette .*gone\.cassette\.json: no such file/,
    );
    let error: unknown;
    try {
      checkReplays([
        scenario({ content: { cassette: file }, faults: [{ fault: "rst", at: { byte: 500 } }] }),
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: "SCENARIO_INVALID_REPLAY",
      why: expect.stringMatching(
        /^faults\[0\]\.at: byte 500 is beyond the recording, which has 93 body bytes, 2 events/,
      ),
      fix: expect.stringMatching(/cassette show/),
    });
  });

  it("inlines the cassette, read against the base directory, for a fake that has no host paths", async () => {
    await using dir = await makeTempDir("scenario-cassettes");
    await writeFile(join(dir.path, "r.cassette.json"), JSON.stringify(recording));
    const inlined = await inlineCassette({ content: { cassette: "r.cassette.json" } }, dir.path);
    expect(inlined.content!.cassette).toEqual(recording);
    const untouched = { content: { text: "hi" } };
    expect(await inlineCassette(untouched)).toBe(untouched);
  });
});
