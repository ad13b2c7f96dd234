import { expect, test } from "vitest";
import { type BackendConfig, resolveConfig } from "../harness/config.ts";
import { exitCodeFor, runSuite } from "../harness/runner.ts";
import { startTinyRelay } from "./testing/tiny-relay.ts";

/**
 * session-second-request-supersedes on a relay without sessions (each request is its own stream,
 * as with any plain OpenAI relay). It used to fail on every such backend, saying "the backend kept
 * reading the provider after the client left" although no client left: the backend never claimed
 * a second request would supersede the first.
 */
test("a session-less backend: the session scenario is not applicable, with the reason", async () => {
  await using relay = await startTinyRelay({ framing: "sse" });
  const run = async (contract: BackendConfig["contract"]) => {
    const config = resolveConfig(
      {
        backends: [
          {
            name: "no-sessions",
            url: relay.url,
            providerPort: relay.providerPort,
            provider: "openai",
            contract,
          },
        ],
        scenarios: ["session-second-request-supersedes"],
        lanes: 1,
      },
      "test",
    );
    return runSuite({ config, reporters: [] });
  };

  const plain = await run({ preset: "openai-relay", path: "/chat" });
  const [result] = plain.results;
  expect(result?.status).toBe("not-applicable");
  expect(result?.reason).toMatch(
    /^the openai-relay contract declares no sessions \(capabilities\.sessions\)/,
  );
  expect(result?.checks).toEqual([]);
  expect(plain.summary).toMatchObject({ notApplicable: 1, failed: 0 });
  expect(exitCodeFor(plain)).toBe(0);

  // Declared (wrongly) as having sessions, it runs, and the failure says what happened: superseded.
  const claimed = await run({ preset: "openai-relay", path: "/chat", capabilities: { sessions: true } });
  const cancelled = claimed.results[0]?.checks.find((c) => c.check === "upstream-cancelled");
  expect(
    claimed.results[0]?.status,
    JSON.stringify(claimed.results[0]?.checks.map((c) => [c.check, c.status, c.summary])),
  ).toBe("fail");
  expect(cancelled?.summary).toBe(
    "the backend kept reading the provider after the next request on the same session superseded it (fake outcome: complete)",
  );
}, 90_000);
