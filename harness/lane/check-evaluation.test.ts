import { describe, expect, test } from "vitest";
import type { Scenario } from "../../scenarios/scenario.ts";
import { defineCheck } from "../checks/check.ts";
import { withUserChecks } from "../checks/index.ts";
import { chunkData, context, exchange, journalEntry, sseObservation } from "../checks/testing/builders.ts";
import { attributeHops, summarizeHop } from "../hops/index.ts";
import { chunk, chunked, connection } from "../hops/testing/tap-records.ts";
import { runChecks } from "./check-evaluation.ts";

const scenario = (extra: Partial<Scenario>): Scenario => ({
  id: "s",
  title: "s",
  incident: "incident 000",
  category: "baseline",
  why: "s",
  script: {},
  checks: ["clean-termination", "answer-intact"],
  ...extra,
});

/** A clean OpenAI stream the client received, whose provider call could not be matched to it. */
const answered = sseObservation([
  { at: 5, data: chunkData("Hello") },
  { at: 9, data: "[DONE]" },
]);

describe("runChecks: the verdict of a scenario from its checks", () => {
  test("the provider streamed no content for this request: inconclusive, not a pass", () => {
    // Before deciding checks: every check passed or was not applicable, so the scenario passed,
    // although answer-intact, the check that answers its question, judged nothing.
    return runChecks(scenario({ decidedBy: ["answer-intact"] }), context([exchange(answered, [])])).then(
      (verdict) => {
        expect(verdict.status).toBe("inconclusive");
        expect(verdict.reason).toBe(
          "no deciding check could apply (answer-intact: no provider call was matched to this request, so there is nothing to compare the answer with)",
        );
        expect(verdict.checks.map((c) => [c.check, c.status, c.deciding ?? false])).toEqual([
          ["clean-termination", "pass", false],
          ["answer-intact", "not-applicable", true],
        ]);
      },
    );
  });

  test("a deciding check that judged something passes; a failing check fails whatever decides", async () => {
    const matched = context([exchange(answered, [journalEntry([{ at: 1, text: "Hello" }])])]);
    expect((await runChecks(scenario({ decidedBy: ["answer-intact"] }), matched)).status).toBe("pass");
    const cut = sseObservation([{ at: 5, data: chunkData("Hello") }], { terminator: false });
    const failing = context([exchange(cut, [])]);
    expect((await runChecks(scenario({ decidedBy: ["answer-intact"] }), failing)).status).toBe("fail");
  });

  test("without decidedBy every check decides: inconclusive only when none applied", async () => {
    const noMatch = context([exchange(answered, [])]);
    expect((await runChecks(scenario({}), noMatch)).status).toBe("pass");
    expect((await runChecks(scenario({ checks: ["answer-intact"] }), noMatch)).status).toBe("inconclusive");
  });

  test("a deciding check the scenario does not run is a user error naming both lists", async () => {
    await expect(
      runChecks(scenario({ decidedBy: ["upstream-cancelled"] }), context([exchange(answered)])),
    ).rejects.toMatchObject({
      code: "SCENARIO_INVALID",
      why: "decidedBy lists upstream-cancelled, its checks are clean-termination, answer-intact",
    });
  });

  test("hops are evidence: a failing check names the hop, a passing one does not, and the verdict is the same", async () => {
    const cut = sseObservation([{ at: 5, data: chunkData("Hello") }], { terminator: false });
    const failing = context([exchange(cut, [journalEntry([{ at: 1, text: "Hello" }])])]);
    const summaries = [
      summarizeHop(
        {
          name: "A",
          from: "probe",
          to: "backend",
          connections: [connection({ response: [[1100, `${chunked()}${chunk("data: x\n\n")}`]] })],
        },
        { origin: 1000 },
      ),
    ];
    const hops = { summaries, attribution: attributeHops(summaries) };
    const withHops = await runChecks(scenario({}), failing, hops);
    const without = await runChecks(scenario({}), failing);
    expect(withHops.status).toBe(without.status);
    expect(withHops.checks.map((c) => c.status)).toEqual(without.checks.map((c) => c.status));
    expect(withHops.checks.map((c) => [c.check, c.status, c.hop?.origin])).toEqual([
      ["clean-termination", "fail", "A"],
      ["answer-intact", "pass", undefined],
    ]);
    expect(withHops.checks[0]!.hop!.text).toBe(
      "hop A: the backend closed between chunks after 1, no terminating chunk",
    );
  });
});

describe("runChecks: a check that cannot judge a client", () => {
  const rawBytes = defineCheck({
    name: "raw-chunk-sizes",
    description: "every chunk-size line is lower-case hex",
    cannotJudge: {
      h2: "HTTP/2 has no chunk-size lines",
      browser: "a page never sees the framing",
    },
    run: () => ({ status: "pass", summary: "chunk sizes are lower-case hex" }),
  });
  const s = scenario({ checks: ["clean-termination", "raw-chunk-sizes"], decidedBy: ["raw-chunk-sizes"] });

  test("is not applicable there with its reason, never a pass, and the scenario is inconclusive", async () => {
    await withUserChecks(new Map([[rawBytes.name, rawBytes]]), async () => {
      const h1 = await runChecks(s, context([exchange(answered)]));
      expect(h1.status).toBe("pass");
      const h2 = await runChecks(s, context([exchange({ ...answered, client: "h2" })], { client: "h2" }));
      expect(h2.checks.find((c) => c.check === "raw-chunk-sizes")).toMatchObject({
        status: "not-applicable",
        summary: "not on the h2 client: HTTP/2 has no chunk-size lines",
      });
      expect(h2.status).toBe("inconclusive");
      const page = await runChecks(s, context([exchange(answered)], { client: "browser" }));
      expect(page.checks.find((c) => c.check === "raw-chunk-sizes")?.summary).toMatch(
        /never sees the framing/,
      );
    });
  });
});
