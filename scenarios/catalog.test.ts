import { describe, expect, test } from "vitest";
import { checkScript } from "../fakes/script.ts";
import { getCheck } from "../harness/checks/index.ts";
import { sizeForBackend } from "../harness/lane/backend-sizing.ts";
import { edges } from "../proxies/edges.ts";
import { toxicTypeNames } from "../proxies/toxiproxy/index.ts";
import { DEMO_KEEPALIVE_MS, DEMO_UPSTREAM_TIMEOUT_MS } from "./catalog/_build.ts";
import { checkName, loadCatalog, selectScenarios } from "./index.ts";

const catalog = await loadCatalog();

describe("the scenario catalog", () => {
  test("has at least 25 scenarios across every failure class the issue names", () => {
    expect(catalog.length).toBeGreaterThanOrEqual(25);
    const categories = new Set(catalog.map((s) => s.category));
    for (const category of [
      "pre-stream",
      "mid-stream",
      "cleanup",
      "rejected-params",
      "slow-first-token",
      "client-disconnect",
      "session-reuse",
      "network",
    ]) {
      expect(categories, category).toContain(category);
    }
  });

  test.each(catalog.map((s) => [s.id, s] as const))(
    "%s is valid, runnable and traceable",
    async (_id, scenario) => {
      expect(scenario.id).toMatch(/^[a-z0-9-]+$/);
      expect(scenario.incident).toMatch(/incident 00\d|failure class/);
      // As a lane scripts the fake: sized from a backend (here the demo backends' bounds) first.
      const sized = sizeForBackend(scenario, {
        name: "demo",
        keepaliveMs: DEMO_KEEPALIVE_MS,
        upstreamTimeoutMs: DEMO_UPSTREAM_TIMEOUT_MS,
      });
      if (sized !== scenario)
        expect(scenario.requires, "sized by keepalive intervals").toContain("keepalives");
      for (const script of [sized.script, ...(sized.matchScripts ?? []).map((m) => m.script)]) {
        const result = checkScript(script);
        expect(result.ok ? [] : result.issues, "the fake accepts the script").toEqual([]);
      }
      for (const ref of scenario.checks)
        await getCheck(typeof ref === "string" ? ref : ref.check, scenario.id);
      for (const toxic of scenario.toxics ?? []) expect(toxicTypeNames()).toContain(toxic.type);
      for (const edge of scenario.edges ?? []) expect(Object.keys(edges)).toContain(edge);
      for (const [edge, profile] of Object.entries(scenario.profiles ?? {}))
        expect(Object.keys(edges[edge]!.profiles)).toContain(profile);
    },
  );

  test.each(catalog.map((s) => [s.id, s] as const))(
    "%s names the checks that decide it, among its own checks",
    (_id, scenario) => {
      // Explicit in the catalog: the default (every check decides) would let a check that always
      // applies, like clean-termination, turn a scenario that tested nothing into a pass.
      expect(scenario.decidedBy?.length, "decidedBy is set").toBeGreaterThan(0);
      const names = scenario.checks.map(checkName);
      for (const name of scenario.decidedBy ?? [])
        expect(names, `${name} is one of its checks`).toContain(name);
    },
  );

  test("selection by glob, and an unknown id is a user error naming similar ids", () => {
    expect(selectScenarios(catalog, ["pre-*"]).every((s) => s.id.startsWith("pre-"))).toBe(true);
    expect(selectScenarios(catalog, ["happy-path", "mid-*"]).length).toBeGreaterThan(3);
    expect(() => selectScenarios(catalog, ["mid-nope"])).toThrow(/No scenario matches "mid-nope"/);
  });
});
