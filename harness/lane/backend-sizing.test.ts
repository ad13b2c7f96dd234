import { describe, expect, test } from "vitest";
import { loadCatalog } from "../../scenarios/index.ts";
import { keepaliveStallMs, sizeForBackend, sizingProblem } from "./backend-sizing.ts";

const stall = (await loadCatalog()).find((s) => s.id === "mid-stall-silent")!;
const stallMs = (scenario: typeof stall) => scenario.script.faults?.find((f) => f.fault === "stall")?.ms;

describe("backend sizing: a stall of n keepalive intervals", () => {
  test("4 intervals, at least the allowed silence + 500 ms, at most 80% of the upstream timeout", () => {
    const b = (keepaliveMs: number, upstreamTimeoutMs?: number) => ({
      name: "b",
      keepaliveMs,
      ...(upstreamTimeoutMs ? { upstreamTimeoutMs } : {}),
    });
    expect(keepaliveStallMs(4, b(1000))).toBe(4000);
    // 400 ms (the demo backends): 4 intervals are 1600 ms, the allowed silence 1200 ms + 500.
    expect(keepaliveStallMs(4, b(400, 3000))).toBe(1700);
    expect(keepaliveStallMs(4, b(1000, 3000))).toBe(2400);
    // 15 s keepalives with the default 30 s upstream timeout: capped at 24 s.
    expect(keepaliveStallMs(4, b(15_000))).toBe(24_000);
  });

  test("mid-stall-silent is sized per backend, its probe timeouts stretched to match", () => {
    const sized = sizeForBackend(stall, { name: "b", keepaliveMs: 1000 });
    expect(stallMs(stall)).toEqual({ keepaliveIntervals: 4 });
    expect(stallMs(sized)).toBe(4000);
    expect(sized.requests).toEqual([{ timeoutMs: 12_000, idleTimeoutMs: 8_000 }]);
    const happy = { ...stall, script: { content: { tokens: ["a"] } } };
    expect(sizeForBackend(happy, { name: "b" })).toBe(happy);
  });

  test("no keepaliveMs, or an upstream timeout too short to judge, is said plainly", () => {
    expect(() => sizeForBackend(stall, { name: "b" })).toThrow(/declares no keepaliveMs/);
    expect(sizingProblem(stall, { name: "b", keepaliveMs: 400, upstreamTimeoutMs: 3000 })).toBeUndefined();
    expect(sizingProblem(stall, { name: "b", keepaliveMs: 1000, upstreamTimeoutMs: 3000 })).toContain(
      "after 3000 ms (upstreamTimeoutMs), too soon for a stall clearly longer than the 2400 ms of silence",
    );
    expect(sizingProblem(stall, { name: "b", keepaliveMs: 15_000 })).toBe(
      'backend "b" gives up on a silent provider after 30000 ms (upstreamTimeoutMs, default), too soon for a stall clearly longer than the 30400 ms of silence its keepaliveMs of 15000 allows; raise upstreamTimeoutMs or lower keepaliveMs for this test',
    );
  });
});
