import { describe, expect, test } from "vitest";
import { loadCatalog } from "./index.ts";
import { scenarioIssues } from "./schema.ts";

const catalog = await loadCatalog();

describe("the scenario schema users' scenarios are checked against", () => {
  test.each(catalog.map((s) => [s.id, s] as const))(
    "accepts the built-in %s (a new Scenario field belongs in scenarios/schema.ts too)",
    (_id, scenario) => {
      expect(scenarioIssues(scenario)).toEqual([]);
    },
  );

  test("names the field, and an unknown one as such", () => {
    expect(scenarioIssues([])).toEqual([
      { field: "(the scenario)", message: expect.stringContaining("object") },
    ]);
    const issues = scenarioIssues({
      id: "has space",
      title: "t",
      incident: "i",
      category: "c",
      why: "w",
      script: {},
      checks: [],
      toxic: [],
    });
    expect(issues.map((i) => i.field).sort()).toEqual(["checks", "id", "toxic"]);
    expect(issues.find((i) => i.field === "toxic")?.message).toMatch(/unknown field "toxic"/);
  });

  test("a toxic or a down link is a hop (A, B, C) or a service's name; which exist is the harness's to say", () => {
    const base = { id: "s", title: "t", incident: "i", category: "c", why: "w", script: {}, checks: ["x"] };
    expect(
      scenarioIssues({ ...base, toxics: [{ hop: "backend", type: "latency" }], down: ["C", "db.main"] }),
    ).toEqual([]);
    const issues = scenarioIssues({ ...base, toxics: [{ hop: "my backend", type: "latency" }], down: [""] });
    expect(issues.map((i) => i.field).sort()).toEqual(["down[0]", "toxics[0].hop"]);
    expect(issues[0]!.message).toMatch(/A \(client→edge\).*the name of one of the backend's services/);
  });
});
