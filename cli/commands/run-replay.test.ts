import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cassetteWith } from "../../fakes/cassettes/testing/build.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { captureOutput } from "../../lib/testing.ts";
import { main } from "../main.ts";

/**
 * `streamchaos run` with a scenario of your own that replays a cassette it cannot: exit 2 with what,
 * why and a fix, before any backend, edge or fake starts.
 */
const recording = cassetteWith([
  [2, 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'],
  [3, "data: [DONE]\n\n"],
]);

async function runIncluding(dir: string, script: unknown) {
  const scenario = {
    id: "my-incident",
    title: "t",
    incident: "failure class: x",
    category: "mid-stream",
    why: "w",
    script,
    checks: ["clean-termination"],
  };
  await writeFile(join(dir, "my-incident.json"), JSON.stringify(scenario));
  const config = {
    // Never started: a bad cassette stops the run first.
    backends: [{ name: "sut", command: "exit 9", provider: "openai", contract: "openai-relay" }],
    include: ["my-incident.json"],
    scenarios: ["my-incident"],
  };
  await writeFile(join(dir, "streamchaos.config.json"), JSON.stringify(config));
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(["run", "--config", join(dir, "streamchaos.config.json"), "--reporter", "json"], {
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stderr: stderr.text() };
}

describe("streamchaos run: a scenario that cannot replay its cassette is exit 2 with a fix", () => {
  it.each([
    [
      "missing",
      { content: { cassette: "gone.cassette.json" } },
      /Cannot read the cassette .*gone\.cassette\.json: no such file/,
    ],
    ["corrupt", { content: { cassette: "corrupt.cassette.json" } }, /is not valid JSON/],
    ["of an unknown version", { content: { cassette: "v3.cassette.json" } }, /unknown version: version is 3/],
    [
      "cut at a byte beyond it",
      { content: { cassette: "rec.cassette.json" }, faults: [{ fault: "rst", at: { byte: 7000 } }] },
      /faults\[0\]\.at: byte 7000 is beyond the recording, which has 93 body bytes, 2 events \(1 text delta\), 2 ms after the headers; place it at byte 93 at most/,
    ],
    [
      "cut at an event beyond it",
      { content: { cassette: "rec.cassette.json" }, faults: [{ fault: "fin", at: { event: 2 } }] },
      /faults\[0\]\.at: event 2 is beyond the recording, .*; events are numbered 0 to 1/,
    ],
  ])("a cassette %s", async (_what, script, why) => {
    await using dir = await makeTempDir("run-replay");
    await writeFile(join(dir.path, "rec.cassette.json"), JSON.stringify(recording));
    await writeFile(join(dir.path, "corrupt.cassette.json"), JSON.stringify(recording).slice(0, 50));
    await writeFile(join(dir.path, "v3.cassette.json"), JSON.stringify({ ...recording, version: 3 }));
    const r = await runIncluding(dir.path, script);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /error\[SCENARIO_INVALID_REPLAY\]: Scenario "my-incident" cannot replay its cassette/,
    );
    expect(r.stderr).toMatch(why);
    expect(r.stderr).toMatch(/\n {2}fix: \S/);
    expect(r.stderr).not.toMatch(/exit 9|never became ready/);
  });
});
