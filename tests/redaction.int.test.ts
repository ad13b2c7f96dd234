import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { resolveConfig } from "../harness/config.ts";
import { openaiRelay } from "../harness/contracts/openai-relay.ts";
import { runSuite } from "../harness/runner.ts";
import { renderUserError, StreamchaosError } from "../lib/errors.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { captureOutput } from "../lib/testing.ts";
import { createReporters } from "../reports/index.ts";

/**
 * Secrets by shape, not by prefix: a backend that logs everything it sees (its incoming headers,
 * its own secret, the keys it calls the provider with) runs behind Caddy, which logs request
 * headers too. None of it may reach a report; the non-secrets next to it must.
 */
const SECRETS = {
  groq: "gsk_4sVq9YtR2wPn7LmKd3Hx8ZcB1fJg6TaE0uWo5iQy",
  anthropic: "sk-ant-api03-Zq8Xw7Ve6Ud5Tc4Sb3Ra2Q-p1Oo0Nn9Mm8Ll",
  xai: "xai-Rk2Lm9Pq4Ws7Xv1Zb6Nc3Hd8Jf5Gt0YuEo",
  jwt: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
  cookie: "sid=c00k1e-s3ss10n-v4lue",
  internalToken: "itok-7c1e5b2a9d",
  bodyKey: "body-key-0f3e9a7c21",
  envSecret: "hunter2-very-long-value",
};

// Logs on every request: the headers it got, its secret with no name beside it, the upstream call.
const BACKEND = `
const http = require("node:http");
const base = process.env.OPENAI_BASE_URL;
http.createServer(async (req, res) => {
  if (req.url === "/health") return res.end("ok");
  let body = "";
  for await (const chunk of req) body += chunk;
  console.log("incoming headers " + JSON.stringify(req.headers));
  console.log("upstream credential in use (" + process.env.INTERNAL_SECRET + ")");
  console.log("keys on hand: ${SECRETS.groq} ${SECRETS.anthropic} ${SECRETS.xai}");
  console.log('usage {"tokens": 12, "max_tokens": 256}: the key to a short answer');
  const upstream = await fetch(base + "/chat/completions", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: "Bearer ${SECRETS.groq}",
      "x-api-key": "${SECRETS.anthropic}",
      cookie: "${SECRETS.cookie}",
    },
    body: JSON.stringify({ ...JSON.parse(body), max_tokens: 256, metadata: { auth: { api_key: "${SECRETS.bodyKey}" } } }),
  });
  console.log("upstream answered " + upstream.status);
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" });
  for await (const chunk of upstream.body) res.write(chunk);
  res.end();
}).listen(Number(process.env.PORT), "127.0.0.1");
`;

/** The probe sends what a browser behind a login would: a session cookie, a JWT, an internal token. */
const relay = openaiRelay();
const contract = {
  ...relay,
  request: (input: Parameters<typeof relay.request>[0]) => {
    const request = relay.request(input);
    return {
      ...request,
      headers: {
        ...request.headers,
        authorization: `Bearer ${SECRETS.jwt}`,
        cookie: SECRETS.cookie,
        "x-internal-token": SECRETS.internalToken,
      },
    };
  },
};

const backend = (command: string[]) => ({
  name: "leaky",
  command,
  env: {
    PORT: "{{port}}",
    OPENAI_BASE_URL: "{{provider.url}}",
    INTERNAL_SECRET: SECRETS.envSecret,
    LOG_LEVEL: "debug",
  },
  provider: "openai" as const,
  contract,
  readyTimeoutMs: 10_000,
});

test("no secret reaches results.json, junit.xml, summary.md, report.html or its evidence files; non-secrets do", async () => {
  await using dir = await makeTempDir("redaction");
  const config = resolveConfig(
    {
      backends: [backend([process.execPath, "-e", BACKEND])],
      edges: ["caddy"],
      // happy-path passes; pre-500 fails (the backend answers 200), so junit carries its timeline.
      scenarios: ["happy-path", "pre-500-server-error"],
      lanes: 1,
      outDir: dir.path,
    },
    "test",
  );
  const reporters = createReporters(["json", "junit", "markdown", "html"], {
    stream: captureOutput().stream,
    isTTY: false,
  });
  const run = await runSuite({ config, reporters });
  expect(run.results.map((r) => `${r.scenario.id}: ${r.status}`).sort()).toEqual([
    "happy-path: pass",
    "pre-500-server-error: fail",
  ]);
  // report.html reads the passing result's evidence from report-files/: those files count too.
  const evidence = (await readdir(join(dir.path, "report-files"))).map((name) => `report-files/${name}`);
  expect(evidence.length).toBeGreaterThan(0);
  const files = Object.fromEntries(
    await Promise.all(
      ["results.json", "junit.xml", "summary.md", "report.html", ...evidence].map(
        async (file) => [file, await readFile(join(dir.path, file), "utf8")] as const,
      ),
    ),
  );
  const leaks = Object.entries(files).flatMap(([file, text]) =>
    Object.entries(SECRETS)
      .filter(([, secret]) => text.includes(secret))
      .map(([what]) => `${what} in ${file}`),
  );
  expect(leaks).toEqual([]);
  // The logs did reach the reports, masked where they held a secret and whole where they did not.
  const json = files["results.json"]!;
  expect(json).toContain("upstream credential in use ([redacted])");
  expect(json).toContain("keys on hand: [redacted] [redacted] [redacted]");
  expect(json).toContain('usage {\\"tokens\\": 12, \\"max_tokens\\": 256}: the key to a short answer');
  expect(json).toMatch(/x-internal-token\\":\s*\[?\\?"?\[redacted\]/i);
  expect(json).toContain("upstream answered 200");
  expect(json).toContain("first token: provider emitted");
  expect(files["junit.xml"]).toContain("upstream credential in use ([redacted])");
}, 120_000);

test("a backend that prints its secret and dies: the setup error shows its log, masked", async () => {
  const dies = `console.error("starting with " + process.env.INTERNAL_SECRET + " and ${SECRETS.groq}"); process.exit(3)`;
  const config = resolveConfig(
    {
      backends: [{ ...backend([process.execPath, "-e", dies]), readyTimeoutMs: 3_000 }],
      edges: ["direct"],
      scenarios: ["happy-path"],
      lanes: 1,
    },
    "test",
  );
  const error = await runSuite({ config, reporters: [] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StreamchaosError);
  const printed = renderUserError(error as StreamchaosError);
  expect(printed).toMatch(/exited with code 3/);
  expect(printed).toContain("starting with [redacted] and [redacted]");
  expect(printed).not.toContain(SECRETS.envSecret);
  expect(printed).not.toContain(SECRETS.groq);
  expect((error as Error).message).not.toContain(SECRETS.envSecret);
}, 60_000);
