import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { failing, passing, run, skipped } from "../reports/testing/fixtures.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { resolveConfig } from "./config.ts";
import { durationsFrom, parseShard, planRuns, runKey, selectRuns, splitPlan } from "./plan.ts";

const scenario = (id: string, extra: Partial<Scenario> = {}) =>
  ({
    id,
    title: id,
    incident: "",
    category: "baseline",
    why: "",
    script: {},
    checks: [],
    ...extra,
  }) as Scenario;

const config = resolveConfig(
  {
    backends: [
      { name: "a", command: "x", provider: "openai", contract: "openai-relay" },
      { name: "b", command: "x", provider: "anthropic", contract: "anthropic-relay" },
    ],
    edges: [
      "direct",
      "nginx",
      { edge: "nginx", profile: "sse-tuned" },
      { edge: "caddy", config: join(process.cwd(), "deploy/Caddyfile") },
    ],
  },
  "test",
);

describe("the plan", () => {
  test("one run per scenario × backend × edge, keyed the way repro names a result", () => {
    const runs = planRuns(config, [scenario("s1"), scenario("s2", { edges: ["nginx"] })], new Map());
    expect(runs.map((r) => r.key)).toEqual([
      "s1@a/direct:default",
      "s1@a/nginx:default",
      "s2@a/nginx:default",
      "s1@a/nginx:sse-tuned",
      "s2@a/nginx:sse-tuned",
      "s1@a/caddy:custom:deploy/Caddyfile",
      "s1@b/direct:default",
      "s1@b/nginx:default",
      "s2@b/nginx:default",
      "s1@b/nginx:sse-tuned",
      "s2@b/nginx:sse-tuned",
      "s1@b/caddy:custom:deploy/Caddyfile",
    ]);
  });

  test("a scenario's own profile, and a replay only on its provider's backends", () => {
    const runs = planRuns(
      { ...config, edges: [{ edge: "nginx" }] },
      [scenario("stall", { profiles: { nginx: "short-timeouts" } }), scenario("replay")],
      new Map([["replay", "anthropic"]]),
    );
    expect(runs.map((r) => r.key)).toEqual([
      "stall@a/nginx:short-timeouts",
      "stall@b/nginx:short-timeouts",
      "replay@b/nginx:default",
    ]);
  });

  test("each client is one more dimension: h1 keeps its keys, the others are named", () => {
    const runs = planRuns(
      { ...config, edges: [{ edge: "nginx" }], backends: config.backends.slice(0, 1) },
      [scenario("s1")],
      new Map(),
      ["h1", "h2", "browser"],
    );
    expect(runs.map((r) => [r.key, r.client])).toEqual([
      ["s1@a/nginx:default", "h1"],
      ["s1@a/nginx:default[h2]", "h2"],
      ["s1@a/nginx:default[browser]", "browser"],
    ]);
  });

  test("a client, when a result has one, is part of its key", () => {
    expect(runKey({ scenario: "s", backend: "a", edge: "nginx", client: "h2" })).toBe(
      "s@a/nginx:default[h2]",
    );
    // h1 is the default client: its keys stay the ones a run before clients existed gave.
    expect(runKey({ scenario: "s", backend: "a", edge: "nginx", client: "h1" })).toBe("s@a/nginx:default");
  });
});

describe("--shard", () => {
  test("INDEX/TOTAL from 1; anything else is a usage error naming the rule", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, total: 4 });
    expect(parseShard("1/1")).toEqual({ index: 1, total: 1 });
    for (const [bad, why] of [
      ["0/2", "INDEX counts from 1 to TOTAL (2)"],
      ["3/2", "INDEX counts from 1 to TOTAL (2)"],
      ["a/b", "a shard is INDEX/TOTAL, two whole numbers"],
      ["1/0", "TOTAL is how many machines"],
      ["1", "a shard is INDEX/TOTAL"],
      ["-1/2", "a shard is INDEX/TOTAL"],
    ] as const) {
      expect(() => parseShard(bad), bad).toThrowError(expect.objectContaining({ code: "CLI_USAGE" }));
      expect(() => parseShard(bad)).toThrow(why);
    }
  });

  const keys = Array.from({ length: 23 }, (_, i) => `s${String(i).padStart(2, "0")}@a/direct:default`);

  test("every run lands on exactly one shard, the same whatever order the plan came in", () => {
    const split = splitPlan(keys, 4);
    const shuffled = splitPlan([...keys].reverse(), 4);
    expect([...shuffled.assignment].sort()).toEqual([...split.assignment].sort());
    expect(shuffled.planHash).toBe(split.planHash);
    const sizes = [1, 2, 3, 4].map((i) => [...split.assignment.values()].filter((s) => s === i).length);
    expect(sizes).toEqual([6, 6, 6, 5]);
    expect(split.assignment.size).toBe(keys.length);
  });

  test("durations balance the shards, longest first; an unknown run weighs the mean", () => {
    const durations = new Map([
      ["long@a/direct:default", 9_000],
      ["mid@a/direct:default", 5_000],
      ["s1@a/direct:default", 4_000],
      ["s2@a/direct:default", 3_000],
      ["s3@a/direct:default", 2_000],
    ]);
    const split = splitPlan([...durations.keys(), "new@a/direct:default"], 2, durations);
    const load = (shard: number) =>
      [...split.assignment]
        .filter(([, s]) => s === shard)
        .reduce((sum, [key]) => sum + (durations.get(key) ?? 4_600), 0);
    expect(split.assignment.get("long@a/direct:default")).toBe(1);
    // Longest-processing-time first is within 4/3 of the best split (Graham, 1969).
    expect(Math.max(load(1), load(2))).toBeLessThanOrEqual((4 / 3) * ((load(1) + load(2)) / 2));
    expect(split.planHash).not.toBe(splitPlan([...durations.keys(), "new@a/direct:default"], 2).planHash);
  });

  test("durations come from what ran before, not from what did not run", () => {
    const previous = run([
      passing("p", { durationMs: 1200 }),
      failing("f", { durationMs: 3400 }),
      skipped("k", { durationMs: 0 }),
    ]);
    expect([...durationsFrom(previous)]).toEqual([
      ["p@node-hardened/nginx:default", 1200],
      ["f@node-hardened/nginx:default", 3400],
    ]);
  });

  test("a shard keeps its share and records the split; `only` narrows further", () => {
    const runs = planRuns(config, [scenario("s1"), scenario("s2"), scenario("s3")], new Map());
    const shares = [1, 2, 3].map((index) => selectRuns(runs, { shard: { index, total: 3 } }));
    expect(shares.flatMap((s) => s.runs.map((r) => r.key)).sort()).toEqual(runs.map((r) => r.key).sort());
    expect(new Set(shares.map((s) => s.shard?.planHash)).size).toBe(1);
    expect(shares[1]?.shard).toMatchObject({ index: 2, total: 3 });
    const only = selectRuns(runs, { only: new Set(["s2@b/nginx:sse-tuned"]) });
    expect(only.runs.map((r) => r.key)).toEqual(["s2@b/nginx:sse-tuned"]);
    expect(only.shard).toBeUndefined();
  });
});
