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
});
