import { describe, expect, test } from "vitest";
import { probeEngine } from "../harness/boxes/docker/index.ts";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends, hardenedBackends } from "../harness/demo.ts";
import { DETECTION_MATRIX } from "../harness/detection-matrix.ts";
import type { RunResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";

/**
 * `--runtime docker` must give the same matrix as `--runtime local`: same verdict and same failing
 * checks for every scenario × backend × edge. Skipped (not failed) where no Docker engine answers.
 */
const engine = await probeEngine();
if (!engine.ok)
  console.warn(`docker parity suite skipped: ${engine.reason} (run: bash docker/ensure-engine.sh)`);

function verdicts(run: RunResult): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of run.results) {
    const failing = r.checks
      .filter((c) => c.status === "fail")
      .map((c) => c.check)
      .sort();
    out[`${r.backend} ${r.edge} ${r.scenario.id}`] =
      `${r.status}${failing.length ? ` [${failing.join(",")}]` : ""}${r.reason ? ` (${r.reason})` : ""}`;
  }
  return out;
}

describe.skipIf(!engine.ok)("docker runtime parity with local", () => {
  test("the catalog on nginx and Caddy gives the same verdicts on both runtimes", async () => {
    const backends = [
      ...hardenedBackends({ python: false }).filter((b) => b.name === "node-openai"),
      ...bugBackends(
        { "node-raise-mid-stream": DETECTION_MATRIX["node-raise-mid-stream"]! },
        { python: false },
      ),
    ];
    const base = { backends, edges: ["nginx", "caddy"], lanes: 2 };
    const local = await runSuite({
      config: resolveConfig({ ...base, runtime: "local" }, "parity (local)"),
      reporters: [],
    });
    const docker = await runSuite({
      config: resolveConfig({ ...base, runtime: "docker" }, "parity (docker)"),
      reporters: [],
    });
    expect(local.results.length).toBeGreaterThanOrEqual(2 * 2 * 40);
    expect(docker.results.every((r) => r.runtime === "docker")).toBe(true);
    expect(verdicts(docker)).toEqual(verdicts(local));
    // Every result that ran has its hops, or says why not: never silently none.
    for (const r of docker.results.filter((r) => r.status === "pass" || r.status === "fail")) {
      expect(r.hops?.length === 3 || typeof r.hopsUnavailable === "string", r.scenario.id).toBe(true);
    }
  }, 1_200_000);
});
