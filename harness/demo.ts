import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { nodeProgram, PACKAGE_ROOT } from "../lib/package.ts";
import { DEMO_KEEPALIVE_MS, DEMO_UPSTREAM_TIMEOUT_MS } from "../scenarios/catalog/_build.ts";
import type { BackendConfig, StreamchaosConfig } from "./config.ts";

export const PYTHON = "/usr/bin/python3";

/**
 * The Node reference backend started with this Node: compiled in the installed package, through tsx's
 * loader in a checkout (no second process for tsx's CLI either way).
 */
function nodeBackend(
  name: string,
  provider: BackendConfig["provider"],
  contract: string,
  bugs: string[] = [],
): BackendConfig {
  return {
    name,
    command: nodeProgram("examples/node-backend/server.ts"),
    cwd: PACKAGE_ROOT,
    env: {
      PORT: "{{port}}",
      // 127.0.0.1 on the local runtime; the docker bridge address when containers must reach it.
      HOST: "{{host}}",
      PROVIDER: provider,
      PROVIDER_BASE_URL: "{{provider.url}}",
      PROVIDER_API_KEY: "sk-demo-not-a-secret",
      UPSTREAM_TIMEOUT_MS: String(DEMO_UPSTREAM_TIMEOUT_MS),
      KEEPALIVE_MS: String(DEMO_KEEPALIVE_MS),
      ...(bugs.length ? { BUGS: bugs.join(",") } : {}),
    },
    provider,
    // Every downstream contract of the Node backend honours session_id (examples/node-backend/sessions.ts).
    contract: { preset: contract, capabilities: { sessions: true } },
    keepaliveMs: DEMO_KEEPALIVE_MS,
    upstreamTimeoutMs: DEMO_UPSTREAM_TIMEOUT_MS,
  };
}

function fastapiBackend(name: string, mode: "hardened" | "naive"): BackendConfig {
  return {
    name,
    command: [
      PYTHON,
      "-m",
      "uvicorn",
      "app:app",
      "--host",
      "{{host}}",
      "--port",
      "{{port}}",
      "--log-level",
      "info",
    ],
    // app.py ships in the package as it is in the repository (Python needs no build).
    cwd: join(PACKAGE_ROOT, "examples", "fastapi-backend"),
    env: {
      MODE: mode,
      PROVIDER_BASE_URL: "{{provider.url}}",
      PROVIDER_API_KEY: "sk-demo-not-a-secret",
      UPSTREAM_TIMEOUT_MS: String(DEMO_UPSTREAM_TIMEOUT_MS),
      PYTHONUNBUFFERED: "1",
    },
    provider: "openai",
    // Its text/plain stream honours session_id (app.py SessionRegistry).
    contract: { preset: "text-marker", capabilities: { sessions: true } },
    upstreamTimeoutMs: DEMO_UPSTREAM_TIMEOUT_MS,
  };
}

/** Whether Debian's FastAPI stack is importable from /usr/bin/python3 (environment.md: only there). */
export function pythonBackendAvailable(): boolean {
  const result = spawnSync(PYTHON, ["-c", "import fastapi, uvicorn, httpx"], { stdio: "ignore" });
  return result.status === 0;
}

export const PYTHON_INSTALL = "apt-get install -y python3-fastapi python3-uvicorn python3-httpx";

/** The hardened reference backends: every scenario must pass on each of them. */
export function hardenedBackends(options: { python: boolean }): BackendConfig[] {
  return [
    nodeBackend("node-openai", "openai", "openai-relay"),
    nodeBackend("node-anthropic", "anthropic", "anthropic-relay"),
    nodeBackend("node-gemini-events", "gemini", "sse-status-delta-done"),
    ...(options.python
      ? [
          {
            ...fastapiBackend("fastapi-hardened", "hardened"),
            // A text/plain stream has no keepalive form: a provider stall longer than nginx's read
            // timeout cuts it whatever the backend does. The fix is the proxy's timeout, not the code.
            expectFailures: ["edge-stall-beyond-proxy-timeout@nginx"],
          },
        ]
      : []),
  ];
}

/**
 * Where a bug only shows against a provider that behaves a certain way, its variant talks to that
 * provider: Anthropic always reports usage, so accounting that trusts usage breaks only when a
 * stream ends without it (incident 002), not on every OpenAI stream that was never asked for it.
 */
const VARIANT_PROVIDER: Record<string, [BackendConfig["provider"], string]> = {
  "accounting-failure": ["anthropic", "anthropic-relay"],
};

/** Bug variants with the scenarios each is expected to fail: the detection matrix (docs/detection-matrix.md). */
export function bugBackends(
  expectations: Record<string, string[]>,
  options: { python: boolean },
): BackendConfig[] {
  const backends: BackendConfig[] = [];
  for (const [variant, expected] of Object.entries(expectations)) {
    if (variant === "fastapi-naive") {
      if (options.python) backends.push({ ...fastapiBackend(variant, "naive"), expectFailures: expected });
      continue;
    }
    const bug = variant.replace(/^node-/, "");
    const [provider, contract] = VARIANT_PROVIDER[bug] ?? ["openai", "openai-relay"];
    backends.push({ ...nodeBackend(variant, provider, contract, [bug]), expectFailures: expected });
  }
  return backends;
}

export function demoConfig(options: {
  python: boolean;
  edges: string[];
  bugs: boolean;
  expectations: Record<string, string[]>;
}): StreamchaosConfig {
  return {
    backends: [
      ...hardenedBackends(options),
      ...(options.bugs ? bugBackends(options.expectations, options) : []),
    ],
    edges: options.edges,
    lanes: 2,
  };
}
