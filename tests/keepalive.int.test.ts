import { describe, expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { startTinyRelay } from "./testing/tiny-relay.ts";

/**
 * keepalives-during-stall on relays that declare a keepalive interval. The stall used to be fixed at
 * 1.8 s and the allowed silence 2 × keepaliveMs + 400 ms, so a relay declaring 1 s keepalives and
 * sending none passed on the direct edge; and behind a proxy the silence before the proxy's cut was
 * not counted ("longest silence 51 ms").
 */
async function keepaliveRun(options: {
  sendsKeepalives: boolean;
  keepaliveMs: number;
  scenario: string;
  edge: string | { edge: string; profile: string };
}): Promise<ScenarioResult> {
  await using relay = await startTinyRelay({
    framing: "sse",
    ...(options.sendsKeepalives ? { keepaliveMs: options.keepaliveMs } : {}),
  });
  const config = resolveConfig(
    {
      backends: [
        {
          name: options.sendsKeepalives ? "keeps-alive" : "silent",
          url: relay.url,
          providerPort: relay.providerPort,
          provider: "openai",
          contract: { preset: "openai-relay", path: "/chat" },
          keepaliveMs: options.keepaliveMs,
        },
      ],
      edges: [options.edge],
      scenarios: [options.scenario],
      lanes: 1,
    },
    "test",
  );
  const run = await runSuite({ config, reporters: [] });
  return run.results[0]!;
}

const keepaliveCheck = (result: ScenarioResult) =>
  result.checks.find((c) => c.check === "keepalives-during-stall");

describe("keepalives-during-stall can fail", () => {
  test("direct: a relay declaring 1 s keepalives that sends none fails through a 4 s stall", async () => {
    const result = await keepaliveRun({
      sendsKeepalives: false,
      keepaliveMs: 1000,
      scenario: "mid-stall-silent",
      edge: "direct",
    });
    expect(result.status).toBe("fail");
    expect(keepaliveCheck(result)?.summary).toMatch(
      /^the client got nothing for 4\d{3} ms during the provider stall \(allowed 2400 ms\)/,
    );
  }, 60_000);

  test("direct: the same relay sending its keepalives passes", async () => {
    const result = await keepaliveRun({
      sendsKeepalives: true,
      keepaliveMs: 1000,
      scenario: "mid-stall-silent",
      edge: "direct",
    });
    expect(result.status, keepaliveCheck(result)?.summary).toBe("pass");
    expect(keepaliveCheck(result)?.summary).toMatch(
      /during the 4000 ms provider stall \(allowed 2400 ms\), [34] keepalives$/,
    );
  }, 60_000);

  test("nginx short-timeouts: a stream the proxy cut after its 2 s read timeout fails, the cut named", async () => {
    const result = await keepaliveRun({
      sendsKeepalives: false,
      keepaliveMs: 800,
      scenario: "edge-stall-beyond-proxy-timeout",
      edge: { edge: "nginx", profile: "short-timeouts" },
    });
    expect(result.status).toBe("fail");
    expect(keepaliveCheck(result)?.status).toBe("fail");
    expect(keepaliveCheck(result)?.summary).toMatch(
      /^the proxy \(nginx:short-timeouts\) cut the stream after \d+ ms of silence during the provider stall; the client got nothing for the remaining \d+ ms of it \(allowed silence 2000 ms\)$/,
    );
  }, 60_000);
});
