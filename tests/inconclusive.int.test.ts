import { expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { exitCodeFor, runSuite } from "../harness/runner.ts";
import { startTinyRelay } from "./testing/tiny-relay.ts";

/**
 * A scenario whose deciding check could not apply is not a pass. A relay that does not stream (it
 * holds the whole answer and sends it once the provider finished) meets disconnect-mid-stream: the
 * client is to leave after 4 events, but they all arrive at once with the end of the answer, so
 * it never leaves. upstream-cancelled, the check that decides the scenario, has nothing to judge,
 * while the other checks pass. That is no verdict: inconclusive, exit 1
 * unless allowed. (A relay that rewrites the prompt used to be the example here; the smoke exchange
 * before the catalog now stops such a run with exit 2: tests/setup-smoke.int.test.ts.)
 */
test("a scenario whose deciding check cannot apply is inconclusive, not a pass", async () => {
  await using relay = await startTinyRelay({ framing: "sse", bufferAnswer: true });
  const config = (allowInconclusive: boolean) =>
    resolveConfig(
      {
        backends: [
          {
            name: "holds-the-answer",
            url: relay.url,
            providerPort: relay.providerPort,
            provider: "openai",
            contract: { preset: "openai-relay", path: "/chat" },
          },
        ],
        scenarios: ["disconnect-mid-stream"],
        lanes: 1,
        allowInconclusive,
      },
      "test",
    );
  const run = await runSuite({ config: config(false), reporters: [] });
  const [result] = run.results;
  expect(result?.status).toBe("inconclusive");
  expect(result?.reason).toContain("upstream-cancelled: the client never left");
  // The other check did pass: the backend still serves.
  expect(result?.checks.find((c) => c.check === "backend-survived")?.status).toBe("pass");
  expect(run.summary).toMatchObject({ passed: 0, inconclusive: 1 });
  expect(exitCodeFor(run)).toBe(1);
  expect(exitCodeFor({ ...run, allowInconclusive: true })).toBe(0);
}, 60_000);
