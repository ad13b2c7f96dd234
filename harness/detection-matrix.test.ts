import { describe, expect, it } from "vitest";
import { hopsCaughtAt } from "./detection-matrix.ts";
import type { CheckResult, ScenarioResult } from "./results.ts";

const result = (status: ScenarioResult["status"], hop?: CheckResult["hop"], hops = true): ScenarioResult => ({
  scenario: { id: "s", title: "s", incident: "", category: "" },
  backend: "b",
  edge: "direct",
  runtime: "local",
  lane: 0,
  status,
  startedAt: 0,
  durationMs: 1,
  checks: [
    { check: "passes", status: "pass", summary: "" },
    { check: "fails", status: status === "fail" ? "fail" : "pass", summary: "", ...(hop ? { hop } : {}) },
  ].map((c) => ({ evidence: [], ...c }) as CheckResult),
  timeline: [],
  ...(hops ? { hops: [] } : { hopsUnavailable: "no taps" }),
});

describe("hopsCaughtAt", () => {
  it("counts where each failing result first broke, most first; passing results do not count", () => {
    const results = [
      result("fail", { origin: "B", text: "hop B: …" }),
      result("fail", { origin: "B", text: "hop B: …" }),
      result("fail", { text: "hop C: …; hop B: …" }),
      result("fail", { origin: "A", text: "hop A: …" }),
      result("fail", undefined, false),
      result("pass"),
    ];
    expect(hopsCaughtAt(results)).toBe("hop B ×2, hop A ×1, hops unavailable ×1, no hop broke ×1");
    expect(hopsCaughtAt([result("pass")])).toBe("");
  });
});
