import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import incident from "../examples/incident-000/streamchaos.config.ts";
import { defineCheck, fail, pass } from "../harness/checks/check.ts";
import { resolveConfig } from "../harness/config.ts";
import { pythonBackendAvailable } from "../harness/demo.ts";
import { runSuite } from "../harness/runner.ts";
import { nginxEdge } from "../proxies/nginx/nginx-edge.ts";
import { smallTextBackend } from "./testing/small-backend.ts";

/**
 * A backend's services (harness/services-config.ts, harness/lane/services.ts) from the outside: the
 * CLI stops a bad set of services with exit 2 before any scenario, and a scenario poisons the link to
 * a service by the service's name.
 */
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLE = join(ROOT, "examples", "incident-000");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "streamchaos-services-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const idle = ["node", "-e", "setInterval(() => {}, 1000)"];
const base = (services: unknown[], env: Record<string, string> = {}) => ({
  name: "frontend",
  command: idle,
  env,
  provider: "openai",
  contract: "text-marker",
  services,
});

/** `streamchaos run` on a JSON config written for the test: its exit code and stderr. */
async function cli(
  name: string,
  config: unknown,
  ...flags: string[]
): Promise<{ status: number | null; stderr: string }> {
  const file = join(dir, `${name}.json`);
  await writeFile(file, JSON.stringify({ scenarios: ["happy-path"], ...(config as object) }));
  const run = spawnSync(
    process.execPath,
    ["bin/streamchaos.mjs", "run", "--config", file, "--out", join(dir, name), ...flags],
    {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { status: run.status, stderr: run.stderr };
}

describe("bad services are exit 2 from the CLI, before any scenario", () => {
  test("a service name used twice", async () => {
    const { status, stderr } = await cli("twice", {
      backends: [
        base([
          { name: "api", command: idle },
          { name: "api", command: idle },
        ]),
      ],
    });
    expect(status).toBe(2);
    expect(stderr).toContain("error[SERVICE_NAME_DUPLICATE]");
    expect(stderr).toContain('backends[0].services[1].name: "api" is used twice');
  });

  test("a template naming an unknown service", async () => {
    const { status, stderr } = await cli("unknown", {
      backends: [base([{ name: "api", command: idle }], { API: "{{service.apj.url}}" })],
    });
    expect(status).toBe(2);
    expect(stderr).toContain("error[SERVICE_UNKNOWN]");
    expect(stderr).toContain('backends[0].env.API: {{service.apj.url}} names no service "apj"');
  });

  test("a cycle among services", async () => {
    const { status, stderr } = await cli("cycle", {
      backends: [
        base([
          { name: "a", command: idle, env: { B: "{{service.b.url}}" } },
          { name: "b", command: idle, env: { A: "{{service.a.url}}" } },
        ]),
      ],
    });
    expect(status).toBe(2);
    expect(stderr).toContain("error[SERVICE_CYCLE]");
    expect(stderr).toContain("a → b → a");
  });

  test("services under the docker runtime", async () => {
    const { status, stderr } = await cli(
      "docker",
      { backends: [base([{ name: "api", command: idle }])] },
      "--runtime",
      "docker",
    );
    expect(status).toBe(2);
    expect(stderr).toContain("error[SERVICES_NEED_LOCAL_RUNTIME]");
    expect(stderr).toContain("Run with --runtime local");
  });

  test("a scenario naming a link no backend has", async () => {
    const { status, stderr } = await cli("link", {
      backends: [base([{ name: "api", command: idle }])],
      scenarios: [
        {
          id: "typo-link",
          title: "t",
          incident: "i",
          category: "c",
          why: "w",
          script: { content: { tokens: ["a"] } },
          down: ["apj"],
          checks: ["clean-termination"],
        },
      ],
    });
    expect(status).toBe(2);
    expect(stderr).toContain("error[SCENARIO_UNKNOWN_LINK]");
    expect(stderr).toContain('down[0]: "apj" is neither a hop of the lane');
  });

  test("a service that never becomes ready: its last log lines are in the error", async () => {
    const script = [
      'console.log("api: starting");',
      'console.error("api: cannot reach the database: ECONNREFUSED 127.0.0.1:5432");',
      "setInterval(() => {}, 1000);",
    ].join(" ");
    const { status, stderr } = await cli("never-ready", {
      backends: [base([{ name: "api", command: ["node", "-e", script], readyTimeoutMs: 1_500 }])],
    });
    expect(status).toBe(2);
    expect(stderr).toContain("error[SERVICE_NOT_READY]");
    expect(stderr).toContain('Service "api" of backend "frontend" did not start');
    expect(stderr).toContain("api: cannot reach the database: ECONNREFUSED 127.0.0.1:5432");
    expect(stderr).toContain("healthPath");
  });
});

/** Passes when the frontend said its backend could not be reached and the provider was never asked. */
const backendUnreachable = defineCheck({
  name: "frontend-lost-its-backend",
  description: "The frontend answered 502 naming its backend, and the fake provider saw no request",
  run(context) {
    const observation = context.exchanges[0]?.observation;
    const answer = `${observation?.response?.statusCode ?? "no response"} ${observation?.body.toString("utf8") ?? ""}`;
    if (observation?.response?.statusCode === 502 && /backend/.test(answer) && context.journal.length === 0) {
      return pass(answer);
    }
    return fail(`${answer} (provider requests: ${context.journal.length})`);
  },
});
const linkScenario = (id: string, link: Record<string, unknown>) => ({
  id,
  title: id,
  incident: "issue 17: toxics on any link by name",
  category: "network",
  why: "the link between the frontend and its backend is a hop like the others",
  script: { content: { tokens: ["Hello", " there"] } },
  checks: ["frontend-lost-its-backend"],
  ...link,
});

const nginx = await nginxEdge.available();
describe.skipIf(!nginx.ok || !pythonBackendAvailable())(
  "a scenario poisons the link to a service by its name",
  () => {
    test("down and reset_peer on `backend` cut the fixed frontend off from FastAPI; without them it answers", async () => {
      const fixed = incident.backends.find((b) => b.name === "incident-000-fixed")!;
      const config = resolveConfig(
        {
          backends: [fixed, smallTextBackend("no-services", "await relay(res, body.message);")],
          edges: ["direct"],
          scenarios: [
            linkScenario("backend-link-down", { down: ["backend"] }),
            linkScenario("backend-link-reset", {
              toxics: [
                { hop: "backend", type: "reset_peer", stream: "upstream", attributes: { timeout: 0 } },
              ],
            }),
            linkScenario("backend-link-intact", {}),
          ],
          checks: [backendUnreachable],
          lanes: 1,
        },
        join(EXAMPLE, "streamchaos.config.ts"),
        EXAMPLE,
      );
      const run = await runSuite({ config, reporters: [] });
      const outcome = Object.fromEntries(
        run.results.map((r) => [
          `${r.backend} ${r.scenario.id}`,
          [r.status, r.checks[0]?.summary ?? r.reason],
        ]),
      );
      expect(outcome["incident-000-fixed backend-link-down"]).toEqual([
        "pass",
        expect.stringMatching(/^502 .*backend unreachable/),
      ]);
      expect(outcome["incident-000-fixed backend-link-reset"]).toEqual([
        "pass",
        expect.stringMatching(/^502 .*backend/),
      ]);
      // The same check fails when the link is left alone: it was the link that cut the frontend off.
      expect(outcome["incident-000-fixed backend-link-intact"]).toEqual([
        "fail",
        expect.stringMatching(/^200 Hello there/),
      ]);
      // A backend without that service does not run a scenario on its link.
      expect(outcome["no-services backend-link-down"]).toEqual([
        "not-applicable",
        'backend "no-services" has no service "backend", whose hop the scenario names (down[0])',
      ]);
      expect(outcome["no-services backend-link-intact"]?.[0]).toBe("fail");
    }, 90_000);
  },
);

describe("a service is watched like the backend", () => {
  test("one that dies in a scenario fails backend-survived with its last lines, and is back for the next", async () => {
    const api = smallTextBackend(
      "api",
      `if (String(body.message).includes("die")) { console.error("api: fatal: cannot survive this message"); process.exit(3); }
       await relay(res, body.message);`,
    );
    // The backend in front: passes each request to the api service, a 502 when it cannot.
    const front = `
const http = require("http");
http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  const up = http.request(process.env.API_URL + req.url, { method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on("error", (e) => {
    console.error("front: error: api unreachable: " + e.message);
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "api unreachable" }));
  });
  req.pipe(up);
}).listen(Number(process.env.PORT), "127.0.0.1");`;
    const scenario = (id: string, message: string) => ({
      id,
      title: id,
      incident: "issue 17: services watched like the backend",
      category: "baseline",
      why: "a dead service breaks the stack as a dead backend does",
      script: { content: { tokens: ["Hello", " there"] } },
      requests: [{ message }],
      checks: ["backend-survived"],
    });
    const config = resolveConfig(
      {
        backends: [
          {
            name: "front",
            command: [process.execPath, "-e", front],
            env: { PORT: "{{port}}", API_URL: "{{service.api.url}}" },
            provider: "openai",
            contract: "text-marker",
            services: [{ name: "api", command: api.command, env: api.env, readyTimeoutMs: 10_000 }],
          },
        ],
        scenarios: [scenario("s1-api-dies", "please die"), scenario("s2-api-back", "hello again")],
        lanes: 1,
      },
      "services-watched",
    );
    const run = await runSuite({ config, reporters: [] });
    const [dies, back] = [...run.results].sort((a, b) => a.scenario.id.localeCompare(b.scenario.id));
    expect(dies).toMatchObject({
      status: "fail",
      serviceRestarts: [{ service: "api", noticed: "in-window", restarted: true, exit: { code: 3 } }],
    });
    expect(dies!.serviceRestarts![0]!.lastLines).toContain(
      "[stderr] api: fatal: cannot survive this message",
    );
    expect(dies!.backendRestart).toBeUndefined();
    expect(back).toMatchObject({ status: "pass" });
    expect(back!.serviceRestarts).toBeUndefined();
  }, 60_000);
});

/**
 * Frontends the hop analysis was not written against, in front of a service that calls the provider:
 * the verdict must name the box that did it. A frontend that swallows its upstream's error ends its
 * body cleanly (the service's cut is hidden there); one that buffers the whole upstream body holds
 * the first token for the whole answer.
 */
describe("the hop a stack's failure is named at", () => {
  // The api: streams the provider's bytes on as text, and on a provider failure drops the connection.
  const naiveApi = smallTextBackend(
    "api",
    `const up = await fetch(process.env.PROVIDER_URL + "/chat/completions", {
       method: "POST",
       headers: { "content-type": "application/json", authorization: "Bearer sk-test-key" },
       body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: body.message }] }),
     });
     res.writeHead(up.status, { "content-type": "text/plain; charset=utf-8" });
     try { for await (const chunk of up.body) res.write(chunk); res.end(); }
     catch (error) { console.error("api: provider stream failed: " + error.message); res.destroy(); }`,
  );
  const carefulApi = smallTextBackend("api", "await relay(res, body.message);");
  const front = (mode: "swallow" | "buffer") => `
const http = require("http");
http.createServer((req, res) => {
  if (req.url === "/health") return res.end("ok");
  const up = http.request(process.env.API_URL + req.url, { method: req.method, headers: req.headers }, (r) => {
    if (${JSON.stringify(mode)} === "buffer") {
      const parts = [];
      r.on("data", (d) => parts.push(d));
      r.on("close", () => {
        const body = Buffer.concat(parts);
        res.writeHead(r.statusCode, { "content-type": r.headers["content-type"], "content-length": body.length });
        res.end(body);
      });
      return;
    }
    res.writeHead(r.statusCode, { "content-type": r.headers["content-type"] });
    r.on("data", (d) => res.write(d));
    r.on("error", (e) => console.error("front: upstream error, ending cleanly: " + e.message));
    // Whether the api finished or broke off, the answer ends here as if it were whole.
    r.on("close", () => res.end());
  });
  up.on("error", () => res.destroy());
  req.pipe(up);
}).listen(Number(process.env.PORT), "127.0.0.1");`;
  const stack = (name: string, mode: "swallow" | "buffer", api: ReturnType<typeof smallTextBackend>) => ({
    name,
    label: "frontend",
    command: [process.execPath, "-e", front(mode)],
    env: { PORT: "{{port}}", API_URL: "{{service.api.url}}" },
    provider: "openai" as const,
    contract: "text-marker",
    services: [{ name: "api", command: api.command, env: api.env, readyTimeoutMs: 10_000 }],
  });

  test("swallowed: the api's cut is named at its link, the frontend hid it; buffered: the frontend held the first token", async () => {
    const config = resolveConfig(
      {
        backends: [stack("swallowing", "swallow", naiveApi), stack("buffering", "buffer", carefulApi)],
        scenarios: ["mid-connection-fin", "happy-path"],
        lanes: 2,
      },
      "stack-hops",
    );
    const run = await runSuite({ config, reporters: [] });
    const result = (backend: string, id: string) =>
      run.results.find((r) => r.backend === backend && r.scenario.id === id)!;

    const swallowed = result("swallowing", "mid-connection-fin");
    expect(swallowed.hops?.map((h) => `${h.name} ${h.from}→${h.to}`)).toEqual([
      "A probe→frontend",
      "B probe→frontend",
      "api frontend→api",
      "C api→provider",
    ]);
    expect(swallowed.status).toBe("fail");
    const marker = swallowed.checks.find((c) => c.check === "error-marker-after-failure")!;
    expect(marker.status).toBe("fail");
    expect(marker.hop?.origin).toBe("api");
    expect(marker.hop?.text).toContain("hop api: the api closed between chunks");
    expect(marker.hop?.text).toContain("hop B: the frontend sent `0\\r\\n\\r\\n`: it hid the cut");
    expect(marker.hop?.text).toContain("hop A: no edge in between: the probe got it as hop B delivered it");

    const buffered = result("buffering", "happy-path");
    const pacing = buffered.checks.find((c) => c.check === "incremental-delivery")!;
    expect(pacing.status).toBe("fail");
    // No hop's bytes were broken: the story is what each carried, and the holdings say who waited.
    expect(pacing.hop?.origin).toBeUndefined();
    const held = (box: string) => {
      const line = pacing.hop?.holdings?.find((l) => l.startsWith(`${box} held it `));
      const [, n, unit] = /held it (-?[\d.]+) (s|ms)$/.exec(line ?? "") ?? [];
      return n === undefined ? undefined : Number(n) * (unit === "s" ? 1000 : 1);
    };
    // 12 tokens 100 ms apart: the frontend held the first for about the whole answer; the api passed it on.
    expect(held("the frontend")).toBeGreaterThan(800);
    expect(held("the api")).toBeLessThan(500);
  }, 90_000);
});
