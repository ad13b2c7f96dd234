import { describe, expect, it } from "vitest";
import { splitPlan } from "../harness/plan.ts";
import type { RunResult } from "../harness/results.ts";
import { type MergeInput, mergeRuns } from "./merge.ts";
import { failing, passing, run, T0 } from "./testing/fixtures.ts";

const shard = (index: number, total = 2, planHash = "abc") => ({ shard: { index, total, planHash } });

function input(file: string, r: RunResult, schemaVersion = r.schemaVersion as number): MergeInput {
  return { file, run: r, schemaVersion };
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe("merge joins the shards of one split into one run", () => {
  it("results of every shard, in one order whatever order the files come in, counted again", () => {
    const a = run([passing("b-scenario"), failing("a-scenario")], { ...shard(1), startedAt: T0 + 100 });
    const b = run([passing("c-scenario", { edge: "caddy" })], {
      ...shard(2),
      startedAt: T0,
      finishedAt: T0 + 9000,
    });
    const one = mergeRuns([input("1.json", a), input("2.json", b)]);
    const other = mergeRuns([input("2.json", b), input("1.json", a)]);
    expect(one.run.results.map((r) => `${r.edge}/${r.scenario.id}`)).toEqual([
      "caddy/c-scenario",
      "nginx/a-scenario",
      "nginx/b-scenario",
    ]);
    expect(other.run.results).toEqual(one.run.results);
    expect(one.run.summary).toMatchObject({ total: 3, passed: 2, failed: 1 });
    expect(one.run.startedAt).toBe(T0);
    expect(one.run.durationMs).toBe(9000);
    expect(one.run.shard).toBeUndefined();
    expect(one.missingShards).toEqual([]);
  });

  it("names the shards no file covered", () => {
    const merged = mergeRuns([input("2.json", run([passing("x")], shard(2, 3)))]);
    expect(merged.missingShards).toEqual([1, 3]);
  });

  it("the same client and profile twice is an overlap; another client of the same run is not", () => {
    const h1 = passing("x", { client: "h1" });
    const h2 = passing("x", { client: "h2" });
    expect(mergeRuns([input("a", run([h1])), input("b", run([h2]))]).run.results).toHaveLength(2);
    expect(code(() => mergeRuns([input("a", run([h1])), input("b", run([h1]))]))).toBe("MERGE_OVERLAP");
  });
});

describe("merge refuses what would make the joined run lie (exit 2)", () => {
  it("files of different schema versions", () => {
    expect(
      code(() => mergeRuns([input("old.json", run([passing("x")]), 1), input("new.json", run([]))])),
    ).toBe("MERGE_SCHEMA_MISMATCH");
  });

  it("the same shard twice, and shards of different splits", () => {
    const a = run([passing("x")], shard(1));
    const b = run([passing("y")], shard(1));
    expect(code(() => mergeRuns([input("a", a), input("b", b)]))).toBe("MERGE_OVERLAP");
    const other = run([passing("y")], shard(2, 2, "def"));
    expect(code(() => mergeRuns([input("a", a), input("b", other)]))).toBe("MERGE_SHARDS_MISMATCH");
    const otherTotal = run([passing("y")], shard(2, 3));
    expect(code(() => mergeRuns([input("a", a), input("b", otherTotal)]))).toBe("MERGE_SHARDS_MISMATCH");
  });

  it("a whole run beside shards, and nothing at all", () => {
    expect(
      code(() => mergeRuns([input("a", run([passing("x")], shard(1))), input("b", run([passing("y")]))])),
    ).toBe("MERGE_OVERLAP");
    expect(code(() => mergeRuns([]))).toBe("MERGE_NOTHING");
  });
});

describe("a split and its merge cover the plan exactly once", () => {
  it("every key in one shard, for every shard count", () => {
    const keys = Array.from({ length: 37 }, (_, i) => `s${i}@b/nginx:default`);
    for (let total = 1; total <= 6; total++) {
      const split = splitPlan(keys, total);
      const counts = new Map<number, number>();
      for (const key of keys)
        counts.set(split.assignment.get(key)!, (counts.get(split.assignment.get(key)!) ?? 0) + 1);
      expect([...counts.keys()].sort(), `total ${total}`).toEqual(
        Array.from({ length: total }, (_, i) => i + 1),
      );
      expect(Math.max(...counts.values()) - Math.min(...counts.values())).toBeLessThanOrEqual(1);
    }
  });
});
