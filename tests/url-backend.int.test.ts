import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { runSuite } from "../harness/runner.ts";
import { reservePort } from "../lib/net.ts";
import { startProcess } from "../runtime/process/start-process.ts";
import { Wait } from "../runtime/wait/wait.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * "Use one already running at a URL": the engineer started the backend by hand with its provider
 * base URL on a fixed port; streamchaos starts nothing of the backend, puts hop C on that port and
 * runs the scenarios through it. Log-based checks say not applicable instead of failing.
 */
test("a backend already running at a URL is tested through a fixed provider port", async () => {
  const [backendPort, providerPort] = [await reservePort(), await reservePort()];
  await using _backend = await startProcess({
    name: "hand-started backend",
    command: process.execPath,
    args: ["--import", "tsx", "examples/node-backend/server.ts"],
    cwd: ROOT,
    env: {
      PORT: String(backendPort),
      PROVIDER_BASE_URL: `http://127.0.0.1:${providerPort}/v1`,
      UPSTREAM_TIMEOUT_MS: "3000",
    },
    readiness: Wait.forHttp(`http://127.0.0.1:${backendPort}/health`).withTimeout(20_000),
  });
  const config = resolveConfig(
    {
      backends: [
        {
          name: "by-url",
          url: `http://127.0.0.1:${backendPort}`,
          providerPort,
          provider: "openai",
          contract: "openai-relay",
        },
      ],
      scenarios: ["happy-path", "pre-500-server-error", "mid-connection-fin"],
      lanes: 2,
    },
    "test",
  );
  const run = await runSuite({ config, reporters: [] });
  expect(run.results.map((r) => `${r.scenario.id}: ${r.status}`).sort()).toEqual([
    "happy-path: pass",
    "mid-connection-fin: pass",
    "pre-500-server-error: pass",
  ]);
  const logged = run.results.flatMap((r) => r.checks).filter((c) => c.check === "backend-logged-failure");
  expect(logged.map((c) => c.status)).toEqual(["not-applicable", "not-applicable"]);
}, 120_000);

test("a URL backend without providerPort, or with a command too, is a config error", () => {
  const base = { name: "x", provider: "openai", contract: "openai-relay" };
  expect(() => resolveConfig({ backends: [{ ...base, url: "http://127.0.0.1:8000" }] }, "t")).toThrow(
    /providerPort/,
  );
  expect(() =>
    resolveConfig(
      { backends: [{ ...base, url: "http://127.0.0.1:8000", providerPort: 4010, command: "x" }] },
      "t",
    ),
  ).toThrow(/either `url` or `command`/);
  expect(() => resolveConfig({ backends: [{ ...base, url: "ftp://x", providerPort: 4010 }] }, "t")).toThrow(
    /http:\/\//,
  );
});
