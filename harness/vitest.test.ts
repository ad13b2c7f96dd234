import { describe, expect, test } from "vitest";
import {
  everyStatusRun,
  failing,
  inconclusive,
  notApplicable,
  passing,
} from "../reports/testing/fixtures.ts";
import { unexpectedResults } from "./vitest.ts";

describe("the vitest entry fails a backend × edge test for what fails the run", () => {
  test("an inconclusive result fails the test unless the config allows it", () => {
    const results = [passing("a"), inconclusive("b"), notApplicable("c")];
    expect(unexpectedResults(results, {})).toEqual([
      "b (inconclusive): no deciding check could apply: upstream-cancelled: the client never left",
    ]);
    expect(unexpectedResults(results, { allowInconclusive: true })).toEqual([]);
  });

  test("failures, errors and interrupted results fail it; not-applicable and skipped do not", () => {
    const run = everyStatusRun();
    expect(unexpectedResults(run.results, run).map((line) => line.split(":")[0])).toEqual([
      "b-fail (fail)",
      "c-error (error)",
      "d-inconclusive (inconclusive)",
      "g-interrupted (interrupted)",
    ]);
  });

  test("a failure on h2 or in the browser names its client", () => {
    const lines = unexpectedResults([failing("m", { client: "h1" }), failing("m", { client: "h2" })], {});
    expect(lines.map((line) => line.split(":")[0])).toEqual(["m (fail)", "m [h2] (fail)"]);
  });
});
