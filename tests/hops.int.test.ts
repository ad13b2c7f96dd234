import { describe, expect, test } from "vitest";
import { probeEngine } from "../harness/boxes/docker/index.ts";
import { resolveConfig } from "../harness/config.ts";
import { bugBackends, hardenedBackends } from "../harness/demo.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";

/**
 * Hops in a real run: the Node reference backend behind nginx's default profile, once with the bug
 * that drops the connection when the provider's stream breaks (incident 000 issue 2), once hardened.
 * The crash must be named at hop B, and nginx's clean `0\r\n\r\n` on hop A named as what hid it.
 */
const nginx = await nginxEdge.available();
const engine = await probeEngine();

describe.skipIf(!nginx.ok)("hops in a run behind nginx", () => {
  test("a backend cutting mid-stream: hop B is the origin, hop A hid it; a clean backend's hops are complete", async () => {
    const config = resolveConfig(
      {
        backends: [
          hardenedBackends({ python: false })[0]!,
          ...bugBackends({ "node-raise-mid-stream": ["mid-connection-fin"] }, { python: false }),
        ],
        edges: ["nginx"],
        scenarios: ["mid-connection-fin", "happy-path"],
        lanes: 2,
      },
      "test",
    );
    const run = await runSuite({ config, reporters: [] });
    const of = (backend: string, scenario: string): ScenarioResult =>
      run.results.find((r) => r.backend === backend && r.scenario.id === scenario)!;

    const crashed = of("node-raise-mid-stream", "mid-connection-fin");
    // The verdict is the checks' own: the bug fails this scenario with or without hops.
    expect(crashed.status).toBe("fail");
    expect(crashed.hops?.map((h) => [h.name, h.from, h.to])).toEqual([
      ["A", "probe", "nginx"],
      ["B", "nginx", "backend"],
      ["C", "backend", "provider"],
    ]);
    const failing = crashed.checks.filter((c) => c.status === "fail");
    expect(failing.length).toBeGreaterThan(0);
    for (const check of failing) {
      expect(check.hop?.origin, check.check).toBe("B");
      expect(check.hop?.text).toMatch(/hop B: the backend .*; hop A: nginx sent `0\\r\\n\\r\\n`/);
    }
    expect(failing[0]!.hop!.text).toContain("hop C: the provider");
    // A failing result keeps its bytes: hop A shows nginx's terminator, hop B the backend's close.
    const [a, b] = crashed.hops!;
    expect(a!.framing).toMatchObject({ outcome: "complete", framing: "chunked", semantic: "incomplete" });
    expect(a!.raw?.toDownstream).toContain("0\\r\\n\\r\\n");
    expect(b!.framing.semantic).toBe("incomplete");
    expect(b!.raw?.toUpstream).toMatch(/^POST /);
    // The backend's call to the provider carries its key: redacted like every other evidence.
    const c = crashed.hops![2]!;
    expect(c.raw?.toUpstream).toMatch(/^POST /);
    expect(c.raw?.toUpstream).toContain("[redacted]");
    expect(JSON.stringify(crashed)).not.toContain("sk-demo-not-a-secret");

    // The hardened backend answers the same fault with its marker and a clean end: no hop broke.
    const handled = of(config.backends[0]!.name, "mid-connection-fin");
    expect(handled.status).toBe("pass");
    expect(handled.hops?.[1]?.framing.semantic).toBe("error-marker");
    const clean = of(config.backends[0]!.name, "happy-path");
    expect(clean.status).toBe("pass");
    expect(clean.hops).toHaveLength(3);
    for (const hop of clean.hops!) {
      expect(hop.connections, hop.name).toBeGreaterThan(0);
      expect(hop.raw, hop.name).toBeUndefined();
    }
    const [cleanA, cleanB] = clean.hops!;
    expect(cleanA!.framing).toMatchObject({ outcome: "complete", framing: "chunked", semantic: "complete" });
    expect(["complete", "closed"]).toContain(cleanB!.framing.outcome);
    expect(cleanB!.framing.semantic).toBe("complete");
    expect(cleanA!.firstByteMs).toBeGreaterThanOrEqual(cleanB!.firstByteMs! - 1);
  }, 60_000);
});

describe.skipIf(!nginx.ok || !engine.ok)("hops on the docker runtime", () => {
  test("its Toxiproxy container records the hops: the same origin as on loopback", async () => {
    const config = resolveConfig(
      {
        backends: bugBackends({ "node-raise-mid-stream": ["mid-connection-fin"] }, { python: false }),
        edges: ["nginx"],
        scenarios: ["mid-connection-fin"],
        runtime: "docker",
      },
      "test",
    );
    const [result] = (await runSuite({ config, reporters: [] })).results;
    expect(result!.status).toBe("fail");
    if (result!.hopsUnavailable) {
      // The official Toxiproxy image is on this machine: it cannot record, and the result says so.
      expect(result!.hopsUnavailable).toMatch(/records no taps/);
      return;
    }
    expect(result!.hops?.map((h) => h.connections > 0)).toEqual([true, true, true]);
    const failing = result!.checks.filter((c) => c.status === "fail");
    expect(failing.map((c) => c.hop?.origin)).toEqual(failing.map(() => "B"));
  }, 180_000);
});
