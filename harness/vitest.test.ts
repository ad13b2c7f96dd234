import { describe, expect, test } from "vitest";
import {
  everyStatusRun,
  failing,
  inconclusive,
  notApplicable,
  passing,
} from "../reports/testing/fixtures.ts";
import type { PlannedRun } from "./plan.ts";
import { describeFailure, testName, unexpectedResults } from "./vitest.ts";

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

describe("the vitest entry's tests", () => {
  const scenario = { id: "mid-connection-rst" } as PlannedRun["scenario"];
  const backend = { name: "node-openai" } as PlannedRun["backend"];

  test("are named scenario [backend via edge:profile], a client appended when the run has one", () => {
    const base = { key: "k", scenario, backend };
    expect(testName({ ...base, edge: { edge: "nginx" } })).toBe(
      "mid-connection-rst [node-openai via nginx:default]",
    );
    expect(testName({ ...base, edge: { edge: "nginx", profile: "sse-tuned" }, profile: "sse-tuned" })).toBe(
      "mid-connection-rst [node-openai via nginx:sse-tuned]",
    );
    expect(testName({ ...base, edge: { edge: "nginx", config: "/x/nginx.conf" } })).toBe(
      "mid-connection-rst [node-openai via nginx:custom]",
    );
    expect(testName({ ...base, edge: { edge: "caddy" }, client: "h2" })).toBe(
      "mid-connection-rst [node-openai via caddy:default, h2]",
    );
  });

  test("fail with the verdict's why, then each failing check's evidence with control bytes visible", () => {
    const result = failing("cut");
    result.checks[0] = {
      ...result.checks[0]!,
      hop: { origin: "B", text: "hop B: the backend closed mid-chunk, no terminating chunk" },
    };
    const message = describeFailure(result, {})!;
    const lines = message.split("\n");
    expect(lines[0]).toBe(
      "fail: clean-chunked-termination: expected 0\\r\\n\\r\\n after the error event; the body was cut",
    );
    expect(lines[1]).toBe("  clean-chunked-termination (hop B)");
    expect(lines[2]).toMatch(
      /^ {4}\[bytes\] last bytes at the probe t\+410\.3ms: data: \{"x":1\}\\r\\n\\r\\n\\0\\x1b\[31mRED/,
    );
    expect(message).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(message).toContain("[log] nginx error.log: upstream prematurely closed connection");
    expect(message).not.toContain("in-stream-error-marker");
  });

  test("pass for what does not fail the run: a pass, an expected failure, an allowed inconclusive", () => {
    expect(describeFailure(passing("a"), {})).toBeUndefined();
    expect(describeFailure(failing("b", { expected: "fail" }), {})).toBeUndefined();
    expect(describeFailure(inconclusive("c"), { allowInconclusive: true })).toBeUndefined();
    expect(describeFailure(inconclusive("c"), {})).toMatch(/^inconclusive: no deciding check could apply/);
  });
});
