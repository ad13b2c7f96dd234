import { describe, expect, it } from "vitest";
import { compareRuns } from "./compare.ts";
import { erroring, failing, passing, run, skipped } from "./testing/fixtures.ts";

const ids = (items: { id: string; backend: string; edge: string; profile?: string }[]) =>
  items.map((i) => `${i.id}@${i.backend}/${i.edge}${i.profile ? `:${i.profile}` : ""}`).sort();

describe("compareRuns", () => {
  const previous = run([
    passing("a"),
    failing("b"),
    failing("c"),
    passing("d"),
    skipped("e"),
    failing("f"),
    passing("gone"),
    passing("a", { edge: "caddy" }),
  ]);
  const current = run([
    failing("a"), // pass -> fail: regression
    passing("b"), // fail -> pass: fixed
    erroring("c"), // fail -> error: still failing
    passing("d"), // unchanged
    failing("e"), // skipped -> fail: a regression too
    skipped("f"), // fail -> skipped: not a fix, not a regression
    passing("new"),
    passing("a", { edge: "caddy" }),
  ]);
  const diff = compareRuns(current, previous);

  it("sorts every (scenario, backend, edge) into its group", () => {
    expect(ids(diff.newlyFailing)).toEqual(["a@node-hardened/nginx", "e@node-hardened/nginx"]);
    expect(ids(diff.newlyPassing)).toEqual(["b@node-hardened/nginx"]);
    expect(ids(diff.stillFailing)).toEqual(["c@node-hardened/nginx"]);
    expect(ids(diff.added)).toEqual(["new@node-hardened/nginx"]);
    expect(ids(diff.removed)).toEqual(["gone@node-hardened/nginx"]);
  });

  it("carries both statuses", () => {
    expect(diff.newlyFailing[0]).toMatchObject({ id: "a", previousStatus: "pass", status: "fail" });
    expect(diff.removed[0]).toMatchObject({ id: "gone", previousStatus: "pass" });
    expect(diff.removed[0]?.status).toBeUndefined();
  });

  it("keys by backend and edge, not by scenario id alone", () => {
    const before = run([passing("x", { backend: "b1" }), passing("x", { backend: "b2" })]);
    const after = run([passing("x", { backend: "b1" }), failing("x", { backend: "b2" })]);
    expect(ids(compareRuns(after, before).newlyFailing)).toEqual(["x@b2/nginx"]);
  });

  it("treats a non-default edge profile as its own combination", () => {
    const before = run([passing("x"), passing("x", { profile: "sse-tuned" })]);
    const after = run([passing("x"), failing("x", { profile: "sse-tuned" })]);
    const d = compareRuns(after, before);
    expect(ids(d.newlyFailing)).toEqual(["x@node-hardened/nginx:sse-tuned"]);
    expect(d.added).toEqual([]);
  });

  it("finds nothing between a run and itself", () => {
    const d = compareRuns(current, current);
    expect(d.newlyFailing.length + d.newlyPassing.length + d.added.length + d.removed.length).toBe(0);
    expect(d.stillFailing.length).toBe(3);
  });
});
