import { expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { exitCodeFor, runSuite } from "../harness/runner.ts";
import { startTinyRelay } from "./testing/tiny-relay.ts";

/**
 * "A run where the provider streamed no content for this request reports ✓": a relay that sends
 * its provider a prompt of its own (a template, a summary of the conversation) instead of the
 * user's message. The client gets a clean, complete answer, but no provider call carries the
 * request's nonce, so answer-intact and incremental-delivery, the checks that decide happy-path,
 * have nothing to compare. That is no verdict: inconclusive, exit 1 unless allowed.
 */
test("a backend whose provider calls cannot be matched is inconclusive on happy-path, not a pass", async () => {
  await using relay = await startTinyRelay({ framing: "sse", rewritePrompt: true });
  const config = (allowInconclusive: boolean) =>
    resolveConfig(
      {
        backends: [
          {
            name: "rewrites-prompt",
            url: relay.url,
            providerPort: relay.providerPort,
            provider: "openai",
            contract: { preset: "openai-relay", path: "/chat" },
          },
        ],
        scenarios: ["happy-path"],
        lanes: 1,
        allowInconclusive,
      },
      "test",
    );
  const run = await runSuite({ config: config(false), reporters: [] });
  const [result] = run.results;
  expect(result?.status).toBe("inconclusive");
  expect(result?.reason).toContain("answer-intact: no provider call was matched to this request");
  // The checks that could look did pass: the answer reached the client whole and cleanly ended.
  expect(result?.checks.find((c) => c.check === "clean-termination")?.status).toBe("pass");
  expect(run.summary).toMatchObject({ passed: 0, inconclusive: 1 });
  expect(exitCodeFor(run)).toBe(1);
  expect(exitCodeFor({ ...run, allowInconclusive: true })).toBe(0);
}, 60_000);
