import { describe, expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends, hardenedBackends, pythonBackendAvailable } from "../harness/demo.ts";
import { DETECTION_MATRIX } from "../harness/detection-matrix.ts";
import type { RunResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";

/**
 * The proof that the harness catches what it claims: every scenario passes on the hardened
 * reference backends, and every bug switch fails exactly the scenarios listed for it in
 * harness/detection-matrix.ts — no more (false alarms), no fewer (missed bugs).
 */
const python = pythonBackendAvailable();

function failuresByBackend(run: RunResult): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const result of run.results) {
    if (result.status === "fail" || result.status === "error") {
      out[result.backend] = [...(out[result.backend] ?? []), result.scenario.id];
    }
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

function explain(run: RunResult): string {
  return run.results
    .filter(
      (r) =>
        (r.status === "fail" && r.expected !== "fail") ||
        r.status === "error" ||
        // A scenario that could not decide is never a pass, on a hardened backend or a bug switch.
        r.status === "inconclusive" ||
        (r.expected === "fail" && r.status !== "fail"),
    )
    .map(
      (r) =>
        `${r.backend} ${r.edge} ${r.scenario.id}: ${
          r.reason ??
          r.checks
            .filter((c) => c.status === "fail")
            .map((c) => `${c.check}: ${c.summary}`)
            .join(" | ")
        }`,
    )
    .join("\n");
}

describe("the catalog against the reference backends", () => {
  test("every scenario passes on every hardened backend, on direct, nginx and Caddy", async () => {
    const config = resolveConfig(
      // Lanes as a user gets them (auto): verdicts must not depend on how many run side by side.
      { backends: hardenedBackends({ python }), edges: ["direct", "nginx", "caddy"] },
      "test",
    );
    const run = await runSuite({ config, reporters: [] });
    expect(run.results.filter((r) => r.status === "skipped").map((r) => r.reason)).toEqual([]);
    expect(run.summary.total).toBeGreaterThanOrEqual(25 * 3 * config.backends.length);
    // Known limitations (expectFailures) must still fail: an expectation that no longer holds is stale.
    expect(explain(run)).toBe("");
  }, 900_000);

  test("each bug switch fails exactly its expected scenarios", async () => {
    const config = resolveConfig(
      { backends: bugBackends(DETECTION_MATRIX, { python }), edges: ["direct"] },
      "test",
    );
    const run = await runSuite({ config, reporters: [] });
    const actual = failuresByBackend(run);
    const expected: Record<string, string[]> = {};
    for (const backend of config.backends)
      expected[backend.name] = [...(DETECTION_MATRIX[backend.name] ?? [])].sort();
    for (const backend of config.backends) actual[backend.name] ??= [];
    expect(
      run.results
        .filter((r) => r.status === "error")
        .map((r) => `${r.backend} ${r.scenario.id}: ${r.reason}`),
    ).toEqual([]);
    expect(actual, explain(run)).toEqual(expected);
    expect(
      run.results.filter((r) => r.status === "inconclusive").map((r) => `${r.backend} ${r.scenario.id}`),
      explain(run),
    ).toEqual([]);
  }, 900_000);
});
