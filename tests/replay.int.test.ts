import { describe, expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends, hardenedBackends } from "../harness/demo.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";

/**
 * A fault placed on a recording lands where it was asked, and the checks written for that failure
 * catch a backend that mishandles it: the RST at byte 7000 of the recorded OpenAI tool-call stream,
 * against the hardened node backend and its raise-mid-stream bug.
 */
const SCENARIO = "replay-openai-tool-calls-rst-mid-arguments";

const fakeBytes = (result: ScenarioResult) =>
  result.timeline
    .filter((e) => e.source === "fake" && e.kind === "event")
    .reduce((sum, e) => sum + Number(/\((\d+) B\)$/.exec(e.detail)?.[1] ?? 0), 0);

describe("a fault on a replayed recording", () => {
  test("lands at byte 7000; the hardened backend passes, raise-mid-stream fails the mid-stream checks", async () => {
    const hardened = hardenedBackends({ python: false });
    const config = resolveConfig(
      {
        backends: [
          ...hardened.filter((b) => b.name === "node-openai" || b.name === "node-anthropic"),
          ...bugBackends({ "node-raise-mid-stream": [SCENARIO] }, { python: false }),
        ],
        edges: ["direct"],
        scenarios: [SCENARIO],
        lanes: 1,
      },
      "test",
    );
    const run = await runSuite({ config, reporters: [] });
    // The recording is OpenAI's: the Anthropic backend does not run it.
    expect(run.results.map((r) => r.backend).sort()).toEqual(["node-openai", "node-raise-mid-stream"]);
    for (const result of run.results) {
      const fault = result.timeline.find((e) => e.source === "fake" && e.kind === "fault");
      expect(fault?.detail).toBe("rst at byte:7000");
      expect(fakeBytes(result)).toBe(7000);
    }
    const byBackend = Object.fromEntries(run.results.map((r) => [r.backend, r]));
    expect(byBackend["node-openai"]!.status, JSON.stringify(byBackend["node-openai"]!.checks)).toBe("pass");
    const bug = byBackend["node-raise-mid-stream"]!;
    expect(bug.status).toBe("fail");
    expect(
      bug.checks
        .filter((c) => c.status === "fail")
        .map((c) => c.check)
        .sort(),
    ).toEqual(["clean-termination", "error-marker-after-failure"]);
  }, 180_000);
});
