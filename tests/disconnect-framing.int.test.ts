import { describe, expect, test } from "vitest";
import { type BackendConfig, resolveConfig } from "../harness/config.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { ndjsonContract, startTinyRelay, type TinyRelayOptions } from "./testing/tiny-relay.ts";

/**
 * disconnect-mid-stream ("the client leaves after 4 events") on relays that do not speak SSE. The
 * trigger used to count SSE events whatever the framing, so on a text/plain stream the client never
 * left and upstream-cancelled was not applicable: the scenario passed whether or not the backend
 * cancels its provider call.
 */
async function disconnectMidStream(
  options: TinyRelayOptions,
  contract: BackendConfig["contract"],
): Promise<ScenarioResult> {
  await using relay = await startTinyRelay(options);
  const config = resolveConfig(
    {
      backends: [
        { name: "tiny", url: relay.url, providerPort: relay.providerPort, provider: "openai", contract },
      ],
      scenarios: ["disconnect-mid-stream"],
      lanes: 1,
    },
    "test",
  );
  const run = await runSuite({ config, reporters: [] });
  return run.results[0]!;
}

const cancelled = (result: ScenarioResult) => result.checks.find((c) => c.check === "upstream-cancelled");

describe("disconnect-mid-stream on every framing", () => {
  test("text/plain: the client leaves after 4 reads and a relay that cancels passes", async () => {
    const result = await disconnectMidStream({ framing: "text" }, { preset: "text-marker", path: "/chat" });
    expect(result.status, JSON.stringify(result.checks)).toBe("pass");
    expect(cancelled(result)?.status).toBe("pass");
    expect(result.timeline.some((e) => e.detail.includes("after 4 text reads"))).toBe(true);
  }, 60_000);

  test("text/plain: a relay that keeps reading its provider after the client left fails", async () => {
    const result = await disconnectMidStream(
      { framing: "text", cancelOnDisconnect: false },
      { preset: "text-marker", path: "/chat" },
    );
    expect(result.status).toBe("fail");
    expect(cancelled(result)?.summary).toContain("after the client left");
  }, 60_000);

  test("NDJSON: the client leaves after 4 lines and a relay that cancels passes", async () => {
    const result = await disconnectMidStream({ framing: "ndjson" }, ndjsonContract);
    expect(result.status, JSON.stringify(result.checks)).toBe("pass");
    expect(cancelled(result)?.status).toBe("pass");
  }, 60_000);
});
