import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RunResult } from "../harness/results.ts";
import { pidAlive, until } from "../lib/testing.ts";

/**
 * Ctrl-C on `streamchaos run`, as a user presses it: the CLI runs as a child process and gets a real
 * SIGINT. What was cut short is `interrupted` (never a failure), the exit code is 130, a backend still
 * starting is not blamed, and nothing the run started is left behind.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-interrupt-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

async function startCli(config: unknown, args: string[]): Promise<Cli> {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(config));
  // The CLI must install its own signal handling, which it skips under vitest.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST")));
  const child = spawn(process.execPath, ["bin/streamchaos.mjs", "run", "--config", file, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr!.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

describe("Ctrl-C on streamchaos run", () => {
  test("during start-up: 'interrupted', exit 130, no blame on the backend, nothing left running", async () => {
    const pidFile = join(dir, "slow-backend.pid");
    // Writes its pid, then takes 30 s to listen: the Ctrl-C lands while its readiness is awaited.
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1'), 30000)`;
    const cli = await startCli(
      {
        backends: [
          {
            name: "slow-starter",
            command: [process.execPath, "-e", script],
            env: { PORT: "{{port}}" },
            provider: "openai",
            contract: "openai-relay",
            readyTimeoutMs: 60_000,
          },
        ],
        edges: ["direct"],
      },
      ["--reporter", "console,json", "--out", join(dir, "startup-out"), "--scenario", "happy-path"],
    );
    await until(() => existsSync(pidFile), 20_000, "the backend starting");
    const pid = Number(await readFile(pidFile, "utf8"));
    const sentAt = Date.now();
    cli.child.kill("SIGINT");
    const code = await cli.exited;
    expect(code, cli.stderr()).toBe(130);
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect(cli.stderr()).toContain(
      "interrupted (SIGINT received): 0 of 1 scenario runs finished, 1 not started",
    );
    expect(cli.stderr()).not.toMatch(/never became ready|exited with|before it became ready|error\[/);
    await until(() => !pidAlive(pid), 5_000, "the starting backend stopped");
  }, 60_000);

  test("mid-run: the scenario cut short is 'interrupted' in results.json, what finished is kept", async () => {
    const out = join(dir, "mid-run-out");
    const cli = await startCli(
      {
        backends: [
          {
            name: "node-openai",
            command: [process.execPath, "--import", "tsx", "examples/node-backend/server.ts"],
            cwd: ROOT,
            env: {
              PORT: "{{port}}",
              PROVIDER: "openai",
              PROVIDER_BASE_URL: "{{provider.url}}",
              PROVIDER_API_KEY: "sk-demo-not-a-secret",
              UPSTREAM_TIMEOUT_MS: "3000",
            },
            provider: "openai",
            contract: "openai-relay",
            upstreamTimeoutMs: 3000,
          },
        ],
        edges: ["direct"],
        lanes: 1,
      },
      // The longest runs first (lane-schedule.ts): provider-hangs (~3 s), then happy-path (~1.5 s of
      // paced tokens), where the Ctrl-C lands.
      ["--reporter", "console,json", "--out", out, "--scenario", "happy-path,provider-hangs"],
    );
    await until(() => /provider-hangs/.test(cli.stdout()), 60_000, "provider-hangs finished");
    cli.child.kill("SIGINT");
    const code = await cli.exited;
    expect(code, cli.stderr()).toBe(130);
    expect(cli.stderr()).toContain("1 of 2 scenario runs finished, 1 cut short (interrupted)");
    const run = JSON.parse(await readFile(join(out, "results.json"), "utf8")) as RunResult;
    expect(run.interrupted).toMatchObject({ reason: "SIGINT received", planned: 2, notStarted: 0 });
    expect(run.results.map((r) => `${r.scenario.id}: ${r.status}`)).toEqual([
      "happy-path: interrupted",
      "provider-hangs: pass",
    ]);
    expect(run.summary).toMatchObject({ passed: 1, interrupted: 1, failed: 0, errored: 0 });
  }, 90_000);
});
