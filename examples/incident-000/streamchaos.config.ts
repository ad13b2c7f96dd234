/**
 * Incident 000's stack as one config: nginx → Node frontend (undici, as a Next.js route handler) →
 * FastAPI backend → the fake provider, in the naive version the incident began with and the fixed
 * one it ended with. The FastAPI backend is the frontend's service: it runs behind its own hop,
 * `backend`, and the frontend reaches it through `{{service.backend.url}}`.
 *
 *     node bin/streamchaos.mjs run --config examples/incident-000/streamchaos.config.ts
 *
 * Needs nginx and Debian's python3-fastapi, python3-uvicorn, python3-httpx.
 */
import type { BackendConfig, ServiceConfig, StreamchaosConfig } from "../../index.ts";

const fastapi = (mode: "naive" | "hardened"): ServiceConfig => ({
  name: "backend",
  command: ["/usr/bin/python3", "-m", "uvicorn", "app:app", "--host", "{{host}}", "--port", "{{port}}"],
  cwd: "../fastapi-backend",
  env: {
    MODE: mode,
    PROVIDER_BASE_URL: "{{provider.url}}",
    PROVIDER_API_KEY: "sk-incident-000-not-a-secret",
    UPSTREAM_TIMEOUT_MS: "5000",
    PYTHONUNBUFFERED: "1",
  },
  healthPath: "/health",
});

const frontend = (name: string, mode: "naive" | "fixed", backend: "naive" | "hardened"): BackendConfig => ({
  name,
  // The hops call this process the frontend: `backend` is the FastAPI service behind it.
  label: "frontend",
  // This Node, with tsx's loader (no npx, no second process for tsx's CLI).
  command: [process.execPath, "--import", "tsx", "frontend/server.ts"],
  cwd: ".",
  env: { PORT: "{{port}}", HOST: "{{host}}", MODE: mode, BACKEND_URL: "{{service.backend.url}}" },
  healthPath: "/health",
  provider: "openai",
  contract: { preset: "text-marker", path: "/api/proxy/chatbot/chat" },
  upstreamTimeoutMs: 5_000,
  services: [fastapi(backend)],
});

/** The mid-stream scenarios where the provider fails after the first token (issue 2). */
const MID_STREAM_FAILURES = [
  "mid-connection-fin",
  "mid-connection-rst",
  "mid-fin-after-90kb",
  "mid-provider-error-event",
  "mid-malformed-json",
  "mid-idle-timeout",
];

export default {
  backends: [
    {
      ...frontend("incident-000-naive", "naive", "naive"),
      // What the incident was: issue 1 (a provider error before the first token became nginx's 502)
      // and issue 2 (a provider failure mid-stream became a chunked body without its terminator).
      expectFailures: ["pre-*", ...MID_STREAM_FAILURES],
    },
    frontend("incident-000-fixed", "fixed", "hardened"),
  ],
  edges: [{ edge: "nginx", profile: "sse-tuned" }],
  // Every pre-stream scenario and the mid-stream failures: the incident's two first issues, in about
  // half a minute. (The naive stack also fails happy-path: neither of its boxes sends
  // `Cache-Control: no-cache`, which the incident did not turn on.)
  scenarios: ["pre-*", ...MID_STREAM_FAILURES],
  lanes: 2,
} satisfies StreamchaosConfig;
