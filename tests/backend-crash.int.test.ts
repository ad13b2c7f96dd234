import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { LocalRuntime } from "../harness/boxes/local-runtime.ts";
import { resolveConfig } from "../harness/config.ts";
import { resolveContract } from "../harness/contracts/index.ts";
import { Lane } from "../harness/lane/lane.ts";
import { chromiumAvailable } from "../harness/probe/browser/chromium.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { renderUserError, type StreamchaosError } from "../lib/errors.ts";
import { pidAlive, until } from "../lib/testing.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";
import { loadCatalog } from "../scenarios/index.ts";
import { smallTextBackend } from "./testing/small-backend.ts";

/**
 * A backend that dies ~50 ms after a stream was cut (an unhandled 'error' event, the process exits
 * with code 1): its output up to its death is evidence of the scenario that killed it, the restart is
 * reported on that scenario, and the next scenario runs against a fresh backend, so its verdict is
 * its own (no 502 from a proxy in front of a dead backend).
 */
const crashing = smallTextBackend(
  "crashes-late",
  `await relay(res, body.message, {
    onCutShort(why) {
      console.error("relay: cleanup scheduled after " + why);
      setTimeout(() => new (require("events").EventEmitter)().emit("error", new Error("boom: late write after " + why)), 50);
    },
  });`,
);

const cases = [
  // Scenarios run in catalog order on one lane: the second one comes right after the crash.
  {
    when: "after the client left",
    scenarios: ["disconnect-before-first-token", "happy-path"],
    why: "the client left",
  },
  {
    when: "after a mid-stream reset",
    scenarios: ["mid-connection-rst", "mid-tiny-writes"],
    why: "the provider stream failed",
  },
];

describe("a backend that crashes after a scenario's stream was cut", () => {
  for (const edge of ["direct", "caddy"]) {
    for (const { when, scenarios, why } of cases) {
      test(`${when}, behind ${edge}`, async () => {
        const config = resolveConfig({ backends: [crashing], edges: [edge], scenarios, lanes: 1 }, "test");
        const run = await runSuite({ config, reporters: [] });
        const byId = new Map(run.results.map((r) => [r.scenario.id, r]));
        const killer = byId.get(scenarios[0]!)!;
        const next = byId.get(scenarios[1]!)!;
        const explain = (r: ScenarioResult) =>
          `${r.scenario.id}: ${r.status} ${r.reason ?? ""} ${r.checks
            .filter((c) => c.status === "fail")
            .map((c) => `${c.check}: ${c.summary}`)
            .join("; ")}`;

        // The crash belongs to the scenario that caused it, with the dead process's own output.
        expect(killer.backendRestart, explain(killer)).toMatchObject({
          exit: { code: 1, signal: null },
          restarted: true,
          noticed: "in-window",
        });
        expect(killer.backendRestart!.lastLines.join("\n")).toContain(`boom: late write after ${why}`);
        expect(killer.backendRestart!.t).toBeGreaterThanOrEqual(killer.startedAt);
        expect(killer.backendRestart!.t).toBeLessThanOrEqual(killer.startedAt + killer.durationMs);
        const backendLog = killer.timeline.filter((e) => e.source === "backend").map((e) => e.detail);
        expect(backendLog.join("\n")).toContain(`Error: boom: late write after ${why}`);
        expect(killer.status).toBe("fail");
        expect(killer.checks.find((c) => c.check === "backend-survived")).toMatchObject({
          status: "fail",
          summary: expect.stringContaining("exited"),
        });

        // The next scenario ran against a fresh backend: its verdict is its own.
        expect(next.backendRestart).toBeUndefined();
        expect(next.status, explain(next)).toBe("pass");
      }, 60_000);
    }
  }
});

/**
 * The same text/plain backend, never written with HTTP/2 or a browser in mind, seen by the h2 probe
 * and by Chromium through nginx's TLS listener: the crash is the scenario's on both, and the next
 * scenario's verdict is its own (a fresh backend, no 502 from nginx).
 */
const clientsReady = (await chromiumAvailable()).ok && (await nginxEdge.available()).ok;
test.skipIf(!clientsReady)(
  "after a mid-stream reset, on the h2 and browser clients through nginx",
  async () => {
    const config = resolveConfig(
      {
        backends: [crashing],
        edges: [{ edge: "nginx", profile: "sse-tuned" }],
        clients: ["h2", "browser"],
        scenarios: ["mid-connection-rst", "mid-tiny-writes"],
        lanes: 2,
      },
      "test",
    );
    const run = await runSuite({ config, reporters: [] });
    expect(run.results).toHaveLength(4);
    for (const client of ["h2", "browser"]) {
      const of = (id: string) => run.results.find((r) => r.client === client && r.scenario.id === id)!;
      const killer = of("mid-connection-rst");
      expect(killer.status, `${client}: ${JSON.stringify(killer.checks)}`).toBe("fail");
      expect(killer.backendRestart).toMatchObject({ restarted: true, noticed: "in-window" });
      expect(killer.checks.find((c) => c.check === "backend-survived")?.status).toBe("fail");
      // What the user saw was right: the marker reached them and the stream ended cleanly.
      expect(killer.checks.find((c) => c.check === "error-marker-after-failure")?.status).toBe("pass");
      const next = of("mid-tiny-writes");
      expect(next.backendRestart).toBeUndefined();
      expect(next.status, `${client}: ${JSON.stringify(next.checks)}`).toBe("pass");
    }
  },
  90_000,
);

/** The crashing backend with its crash `delayMs` after the cut; `once` makes a second start fail. */
/**
 * Dies `delayMs` after the provider stream is cut; or, with `trigger`, once that file exists after
 * the cut: a test then decides when the crash happens, whatever the machine's load.
 */
function crashingAfter(
  delayMs: number,
  options: { startOnce?: string; trigger?: string; pidFile?: string } = {},
) {
  const lock = options.startOnce
    ? `const fs = require("fs"); if (fs.existsSync(${JSON.stringify(options.startOnce)})) { console.error("cannot start: the lock of the last run is still held"); process.exit(3); } fs.writeFileSync(${JSON.stringify(options.startOnce)}, "");`
    : "";
  const pid = options.pidFile
    ? `require("fs").writeFileSync(${JSON.stringify(options.pidFile)}, String(process.pid));`
    : "";
  const guard = `${lock}${pid}`;
  const backend = smallTextBackend(
    "crashes-late",
    `await relay(res, body.message, {
      onCutShort(why) {
        const crash = () => new (require("events").EventEmitter)().emit("error", new Error("boom: late write after " + why));
        ${
          options.trigger
            ? `setInterval(() => { if (require("fs").existsSync(${JSON.stringify(options.trigger)})) crash(); }, 10);`
            : `setTimeout(crash, ${delayMs});`
        }
      },
    });`,
  );
  const command = backend.command as string[];
  return { ...backend, command: [...command.slice(0, 2), `${guard}\n${command[2]}`] };
}

test("a backend found dead before a scenario starts is restarted first, and the restart is reported on it", async () => {
  const dir = await mkdtemp(join(tmpdir(), "streamchaos-crash-test-"));
  await using _dir = { [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
  const trigger = join(dir, "crash-now");
  const pidFile = join(dir, "backend.pid");
  const config = resolveConfig({ backends: [crashingAfter(0, { trigger, pidFile })] }, "test");
  const backend = config.backends[0]!;
  const catalog = await loadCatalog();
  const scenario = (id: string) => catalog.find((s) => s.id === id)!;
  await using lane = await Lane.start({
    index: 1,
    runtime: new LocalRuntime(),
    backend: {
      name: backend.name,
      provider: backend.provider,
      contract: resolveContract("text-marker", "test"),
      spec: {
        name: backend.name,
        command: { command: (backend.command as string[])[0]!, args: (backend.command as string[]).slice(1) },
        env: backend.env ?? {},
        healthPath: "/health",
        readyTimeoutMs: 10_000,
      },
    },
    edge: { edge: "direct" },
  });
  const killer = await lane.runScenario(scenario("mid-connection-rst"));
  expect(killer.backendRestart).toBeUndefined();
  // It dies after that scenario's window, while no scenario runs: the test pulls the trigger and
  // waits for the backend to stop answering (through hop A, the direct edge's only box).
  await writeFile(trigger, "");
  await until(
    () =>
      fetch(`${lane.entryUrl}/health`, { signal: AbortSignal.timeout(1_000) }).then(
        () => false,
        () => true,
      ),
    15_000,
    "the backend's death",
  );
  // Refusing connections is not yet exited as the lane sees it: its child's exit event can come a
  // moment later, and then the death is dated after the next scenario's start. Once the pid is
  // gone, this process (its parent) has reaped it, and the exit event came with the reaping.
  const pid = Number(await readFile(pidFile, "utf8"));
  await until(() => !pidAlive(pid), 15_000, "the dead backend to be reaped");
  const next = await lane.runScenario(scenario("mid-tiny-writes"));
  expect(next.backendRestart).toMatchObject({ exit: { code: 1 }, noticed: "before-start", restarted: true });
  expect(next.backendRestart!.t).toBeLessThan(next.startedAt);
  expect(next.backendRestart!.lastLines.join("\n")).toContain(
    "boom: late write after the provider stream failed",
  );
  expect(next.status).toBe("pass");
}, 60_000);

test("a backend that dies and does not start again stops the run with exit 2 and its last lines", async () => {
  const dir = await mkdtemp(join(tmpdir(), "streamchaos-crash-test-"));
  try {
    const config = resolveConfig(
      {
        backends: [crashingAfter(50, { startOnce: join(dir, "lock") })],
        // A lane runs its longest scenarios first: the killer (200 ms of scripted pacing) before the others.
        scenarios: ["mid-connection-rst", "pre-503-unavailable", "pre-500-server-error"],
        lanes: 1,
      },
      "test",
    );
    const results: ScenarioResult[] = [];
    const error = await runSuite({
      config,
      reporters: [{ name: "keep", onResult: (r) => results.push(r), onFinish: async () => ({ files: [] }) }],
    }).then(
      () => {
        throw new Error("the run went on against a backend that could not be restarted");
      },
      (e: StreamchaosError) => e,
    );
    // The scenario that killed it has its verdict; none ran after it.
    expect(results.map((r) => `${r.scenario.id}: ${r.status}`)).toEqual(["mid-connection-rst: fail"]);
    expect(results[0]!.backendRestart).toMatchObject({ restarted: false, exit: { code: 1 } });
    expect(error).toMatchObject({ name: "UserError", code: "BACKEND_RESTART_FAILED" });
    const text = renderUserError(error);
    expect(text).toContain('Backend "crashes-late" died (exit code 1) and did not start again');
    expect(text).toContain("exited with code 3 before it became ready");
    expect(text).toContain("boom: late write after the provider stream failed");
    expect(text).toContain("cannot start: the lock of the last run is still held");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
