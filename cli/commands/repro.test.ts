import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunResult, ScenarioResult } from "../../harness/results.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { captureOutput } from "../../lib/testing.ts";
import { main } from "../main.ts";

async function repro(args: string[]) {
  const stdout = captureOutput();
  const stderr = captureOutput();
  const code = await main(["repro", ...args], { stdout: stdout.stream, stderr: stderr.stream });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

const result = (edge: string, profile: string): ScenarioResult => ({
  scenario: { id: "mid-x", title: "X breaks", incident: "incident 000 issue 2", category: "mid-stream" },
  backend: "api",
  edge,
  profile,
  runtime: "local",
  lane: 1,
  status: "fail",
  startedAt: 1,
  durationMs: 900,
  checks: [{ check: "clean-termination", status: "fail", summary: "no 0\\r\\n\\r\\n | cut", evidence: [] }],
  timeline: [],
});

/** A run of scenario mid-x on backend api via nginx (your config) and caddy (sse-tuned). */
function runWith(dir: string, changes: Partial<NonNullable<RunResult["setup"]>> = {}): RunResult {
  return {
    schemaVersion: 2,
    tool: { name: "streamchaos", version: "0.1.0" },
    startedAt: Date.UTC(2026, 0, 2),
    finishedAt: 2,
    durationMs: 1,
    environment: { node: "v22.0.0" },
    results: [result("nginx", "default"), result("caddy", "sse-tuned")],
    summary: {
      total: 2,
      passed: 0,
      failed: 2,
      errored: 0,
      inconclusive: 0,
      notApplicable: 0,
      skipped: 0,
      interrupted: 0,
    },
    setup: {
      cwd: dir,
      backends: [
        {
          name: "api",
          command: "node server.js",
          env: { OPENAI_API_KEY: "[redacted]", OPENAI_BASE_URL: "{{provider.url}}" },
          provider: "openai",
          contract: "openai-relay",
          healthPath: "/health",
          readyTimeoutMs: 20_000,
          expectFailures: ["mid-x"],
        },
      ],
      edges: [{ edge: "nginx", config: join(dir, "deploy", "nginx.conf") }, { edge: "caddy" }],
      scenarios: {
        "mid-x": {
          id: "mid-x",
          title: "X breaks",
          incident: "incident 000 issue 2",
          category: "mid-stream",
          why: "w",
          script: { content: { text: "hi" }, faults: [{ fault: "fin" }] },
          checks: ["clean-termination"],
        },
      },
      cassettes: {},
      ...changes,
    },
  };
}

describe("streamchaos repro", () => {
  it("writes the backend, your edge config copied, the scenario and a README with the one command", async () => {
    await using dir = await makeTempDir("repro-cli");
    await writeFile(join(dir.path, "results.json"), JSON.stringify(runWith(dir.path)));
    await mkdir(join(dir.path, "deploy"));
    await writeFile(join(dir.path, "deploy", "nginx.conf"), "events {}\n");
    const out = join(dir.path, "out");
    const r = await repro([join(dir.path, "results.json"), "mid-x@api/nginx", "--out", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const config = JSON.parse(await readFile(join(out, "streamchaos.config.json"), "utf8"));
    expect(config).toEqual({
      backends: [
        {
          name: "api",
          command: "node server.js",
          // It ran where the run was started: the repro runs it there, not in the folder.
          cwd: dir.path,
          env: { OPENAI_API_KEY: "[redacted]", OPENAI_BASE_URL: "{{provider.url}}" },
          provider: "openai",
          contract: "openai-relay",
          healthPath: "/health",
          readyTimeoutMs: 20_000,
        },
      ],
      edges: [{ edge: "nginx", config: "edge-nginx.conf" }],
      include: ["scenario.json"],
      replaceBuiltins: true,
      scenarios: ["mid-x"],
      lanes: 1,
      runtime: "local",
      reporters: ["console", "json"],
      outDir: "report",
    });
    expect(await readFile(join(out, "edge-nginx.conf"), "utf8")).toBe("events {}\n");
    const readme = await readFile(join(out, "README.md"), "utf8");
    expect(readme).toContain(`cd ${out} && npx streamchaos run`);
    expect(readme).toContain("| `clean-termination` | fail | no 0\\r\\n\\r\\n \\| cut |");
    expect(readme).toContain("nginx with your config, copied here as `edge-nginx.conf`");
    expect(readme).toContain("env OPENAI_API_KEY masked");
    const caddy = await repro([
      join(dir.path, "results.json"),
      "mid-x@api/caddy",
      "--out",
      join(dir.path, "c"),
    ]);
    expect(caddy.code).toBe(0);
    const caddyConfig = JSON.parse(await readFile(join(dir.path, "c", "streamchaos.config.json"), "utf8"));
    expect(caddyConfig.edges).toEqual([{ edge: "caddy", profile: "sse-tuned" }]);
  });

  it("exits 2 with a fix on a result it cannot name, find or rebuild", async () => {
    await using dir = await makeTempDir("repro-cli");
    const file = join(dir.path, "results.json");
    await writeFile(file, JSON.stringify(runWith(dir.path)));
    const out = ["--out", join(dir.path, "out")];
    const cases: Array<[string[], RegExp]> = [
      [
        [file, "mid-x-api-nginx", ...out],
        /error\[CLI_USAGE\]: Invalid result "mid-x-api-nginx"[\s\S]*scenario@backend\/edge/,
      ],
      [
        [file, "mid-y@api/nginx", ...out],
        /REPRO_NO_SUCH_RESULT\][\s\S]*it has 2 results[\s\S]*fix: Name one/,
      ],
      [
        [file, "mid-x@api/direct", ...out],
        /its results for that scenario: mid-x@api\/nginx:default, mid-x@api\/caddy:sse-tuned/,
      ],
      [[join(dir.path, "nope.json"), "mid-x@api/nginx", ...out], /Cannot read the run to reproduce/],
      [[file, "mid-x@api/nginx"], /Missing --out/],
    ];
    for (const [args, message] of cases) {
      const r = await repro(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    const old = { ...runWith(dir.path), setup: undefined };
    await writeFile(file, JSON.stringify(old));
    const noSetup = await repro([file, "mid-x@api/nginx", ...out]);
    expect(noSetup.code).toBe(2);
    expect(noSetup.stderr).toMatch(/REPRO_NO_SETUP[\s\S]*fix: Run the scenario again with this streamchaos/);
    const custom = runWith(dir.path);
    custom.setup!.backends[0]!.contract = { custom: "my-sse" };
    await writeFile(file, JSON.stringify(custom));
    const own = await repro([file, "mid-x@api/nginx", ...out]);
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/speaks a contract of your own \(my-sse\)/);
  });

  it("exits 2 when the cassette the scenario replayed is gone", async () => {
    await using dir = await makeTempDir("repro-cli");
    const run = runWith(dir.path);
    run.setup!.scenarios["mid-x"]!.script = { content: { cassette: join(dir.path, "gone.cassette.json") } };
    const file = join(dir.path, "results.json");
    await writeFile(file, JSON.stringify(run));
    const r = await repro([file, "mid-x@api/caddy", "--out", join(dir.path, "out")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPRO_CASSETTE_MISSING[\s\S]*gone\.cassette\.json[\s\S]*fix: Restore it/);
  });
});
