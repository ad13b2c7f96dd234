import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, test } from "vitest";
import { pythonBackendAvailable } from "../harness/demo.ts";
import type { RunResult } from "../harness/results.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";
import { loadCatalog } from "../scenarios/index.ts";

/**
 * Incident 000's stack as its one config runs it from the command line (examples/incident-000/
 * streamchaos.config.ts): nginx → Node frontend → FastAPI backend (a service, behind its own hop) →
 * the fake. The naive stack fails every pre-stream scenario and the mid-stream failures, with the
 * frontend's `other side closed` in its log, and nothing else; the fixed stack passes all of them.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const nginx = await nginxEdge.available();
let out: string | undefined;
afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

test.skipIf(!nginx.ok || !pythonBackendAvailable())(
  "streamchaos run --config examples/incident-000/streamchaos.config.ts: naive fails the incident's scenarios, fixed passes them",
  async () => {
    out = await mkdtemp(join(tmpdir(), "streamchaos-incident-000-"));
    const child = spawn(
      process.execPath,
      [
        "bin/streamchaos.mjs",
        "run",
        "--config",
        "examples/incident-000/streamchaos.config.ts",
        "--reporter",
        "json",
        "--out",
        out,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    const status = await new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    // Expected failures do not fail the run; anything else would.
    expect(status, stderr).toBe(0);

    const run = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as RunResult;
    const on = (backend: string) => run.results.filter((r) => r.backend === backend);
    const ids = (results: RunResult["results"]) => results.map((r) => r.scenario.id).sort();
    const preStream = (await loadCatalog()).filter((s) => s.category === "pre-stream").map((s) => s.id);
    const midStream = [
      "mid-connection-fin",
      "mid-connection-rst",
      "mid-fin-after-90kb",
      "mid-idle-timeout",
      "mid-malformed-json",
      "mid-provider-error-event",
    ];
    const incidentScenarios = [...preStream, ...midStream].sort();
    expect(preStream.length).toBeGreaterThanOrEqual(9);

    const fixed = on("incident-000-fixed");
    expect(ids(fixed)).toEqual(incidentScenarios);
    expect(
      fixed.filter((r) => r.status !== "pass").map((r) => `${r.scenario.id}: ${r.status} ${r.reason ?? ""}`),
    ).toEqual([]);

    const naive = on("incident-000-naive");
    expect(ids(naive)).toEqual(incidentScenarios);
    expect(
      naive.filter((r) => r.status !== "fail" || r.expected !== "fail").map((r) => r.scenario.id),
    ).toEqual([]);

    // Issue 1 as it happened: nginx's 502 in front, the frontend's `other side closed` in its log.
    const issue1 = naive.find((r) => r.scenario.id === "pre-401-invalid-key")!;
    expect(issue1.checks.find((c) => c.check === "error-status-before-first-byte")?.status).toBe("fail");
    const logs = issue1.timeline.filter((e) => e.source === "backend").map((e) => e.detail);
    expect(logs.join("\n")).toContain("Error: failed to pipe response");
    expect(logs.join("\n")).toContain("SocketError: other side closed");
    // Issue 2: a cut provider stream reaches the client as a chunked body without its terminator.
    const issue2 = naive.find((r) => r.scenario.id === "mid-connection-fin")!;
    const cut = issue2.checks.find((c) => c.check === "clean-termination")!;
    expect(cut.status).toBe("fail");

    // Every link of the stack is in the hops, client first, and the verdicts read the whole chain.
    const chain = ["A probe→nginx", "B nginx→frontend", "backend frontend→backend", "C backend→provider"];
    for (const result of [...naive, ...fixed]) {
      expect(
        result.hops?.map((h) => `${h.name} ${h.from}→${h.to}`),
        result.scenario.id,
      ).toEqual(chain);
    }
    // Every failure of the naive stack shows first at the frontend's link to FastAPI.
    const origins = naive.flatMap((r) =>
      r.checks.filter((c) => c.status === "fail").map((c) => `${r.scenario.id} ${c.check}: ${c.hop?.origin}`),
    );
    expect(origins.filter((o) => !o.endsWith(": backend"))).toEqual([]);
    // Issue 2 at its hop: FastAPI cut the frontend's stream (the frontend's `other side closed`), the
    // frontend and nginx passed the cut on.
    expect(cut.hop?.origin).toBe("backend");
    expect(cut.hop?.text).toMatch(
      /hop backend: the backend closed (mid-chunk|between chunks)[^;]*; hop B: the frontend passed it on: [^;]*; hop A: nginx passed it on/,
    );
    // Issue 1 at its hop: FastAPI's 200 with no body, the frontend's close without a response, nginx's 502.
    const early = issue1.checks.find((c) => c.check === "error-status-before-first-byte")!;
    expect(early.hop?.origin).toBe("backend");
    expect(early.hop?.text).toContain(
      "hop C: the provider answered 401; hop backend: the backend sent 200 and its headers, then closed before the first chunk; " +
        "hop B: the frontend passed it on: it closed without sending a response; hop A: nginx answered 502",
    );
    // Fixed, the same cut is the frontend's marker and a clean end on every link in front of FastAPI.
    const handled = fixed.find((r) => r.scenario.id === "mid-connection-fin")!;
    expect(
      handled.hops?.filter((h) => h.name !== "C").map((h) => [h.name, h.framing.outcome, h.framing.semantic]),
    ).toEqual([
      ["A", "complete", "error-marker"],
      ["B", "complete", "error-marker"],
      ["backend", "complete", "error-marker"],
    ]);
  },
  110_000,
);
