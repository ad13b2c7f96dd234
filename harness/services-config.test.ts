import { describe, expect, test } from "vitest";
import { renderUserError, type StreamchaosError } from "../lib/errors.ts";
import { caught } from "../lib/testing.ts";
import { type BackendConfig, resolveConfig } from "./config.ts";
import { backendLabel, checkScenarioLinks, checkServicesRuntime, missingLink } from "./services-config.ts";

const service = (name: string, env: Record<string, string> = {}) => ({
  name,
  command: ["node", "server.js"],
  env: { PORT: "{{port}}", ...env },
});
const backend = (services: BackendConfig["services"], env: Record<string, string> = {}): BackendConfig => ({
  name: "frontend",
  command: "node frontend.js",
  env,
  provider: "openai",
  contract: "text-marker",
  services,
});

const failure = (config: unknown): Promise<StreamchaosError> =>
  caught(Promise.resolve().then(() => resolveConfig(config, "streamchaos.config.ts", "/project")));

describe("services in the config", () => {
  test("are put in start order, each after the services it names, with defaults filled in", async () => {
    const config = resolveConfig(
      {
        backends: [
          backend(
            [
              service("api", { DB: "{{service.db.url}}", CACHE: "{{ service.cache.url }}" }),
              { ...service("db"), cwd: "db", healthPath: "/ready", readyTimeoutMs: 5_000 },
              { ...service("cache"), command: ["redis", "--upstream", "{{service.db.url}}"] },
            ],
            { API_URL: "{{service.api.url}}" },
          ),
        ],
      },
      "streamchaos.config.ts",
      "/project",
    );
    const services = config.backends[0]!.services!;
    expect(services.map((s) => [s.name, s.dependsOn])).toEqual([
      ["db", []],
      ["cache", ["db"]],
      ["api", ["db", "cache"]],
    ]);
    expect(services[0]).toMatchObject({ cwd: "/project/db", healthPath: "/ready", readyTimeoutMs: 5_000 });
    expect(services[1]).toMatchObject({
      healthPath: "/health",
      readyTimeoutMs: 20_000,
      env: { PORT: "{{port}}" },
    });
  });

  test("a backend without services has none", async () => {
    const config = resolveConfig({ backends: [backend(undefined)] }, "t");
    expect(config.backends[0]!.services).toBeUndefined();
    expect(resolveConfig({ backends: [backend([])] }, "t").backends[0]!.services).toBeUndefined();
  });

  test("a service name used twice", async () => {
    const error = await failure({ backends: [backend([service("db"), service("api"), service("db")])] });
    expect(error).toMatchObject({ name: "UserError", code: "SERVICE_NAME_DUPLICATE" });
    const text = renderUserError(error);
    expect(text).toContain('Invalid services of backend "frontend" in streamchaos.config.ts');
    expect(text).toContain('backends[0].services[2].name: "db" is used twice');
    expect(text).toContain("its own name");
  });

  test("what the hops call the backend's own process: its label, else backend unless a service has that name", async () => {
    const labelled = resolveConfig(
      { backends: [{ ...backend([service("backend")]), label: "frontend" }] },
      "t",
    );
    expect(backendLabel(labelled.backends[0]!)).toBe("frontend");
    expect(backendLabel(resolveConfig({ backends: [backend([service("backend")])] }, "t").backends[0]!)).toBe(
      "frontend",
    );
    expect(backendLabel({ name: "stack", services: [service("backend")] })).toBe("stack");
    expect(backendLabel({ name: "stack", services: [service("api")] })).toBe("backend");
    expect(backendLabel({ name: "stack" })).toBe("backend");
  });

  test("a service named like the backend's label: the hops could not tell the two apart", async () => {
    const error = await failure({ backends: [{ ...backend([service("api")]), label: "api" }] });
    expect(error).toMatchObject({ name: "UserError", code: "SERVICE_NAME_DUPLICATE" });
    expect(renderUserError(error)).toContain(
      'backends[0].services[0].name: "api" is also the backend\'s own label (backends[0].label)',
    );
  });

  test("a template naming an unknown service, in a service's env or the backend's command", async () => {
    const inService = await failure({
      backends: [backend([service("db"), service("api", { DB: "{{service.dbb.url}}" })])],
    });
    expect(inService).toMatchObject({ code: "SERVICE_UNKNOWN" });
    expect(renderUserError(inService)).toContain(
      'backends[0].services[1].env.DB: {{service.dbb.url}} names no service "dbb" of this backend',
    );
    expect(renderUserError(inService)).toContain("with one of: db, api");

    const inBackend = await failure({
      backends: [{ ...backend(undefined), command: ["node", "f.js", "--api", "{{service.api.url}}"] }],
    });
    expect(inBackend).toMatchObject({ code: "SERVICE_UNKNOWN" });
    expect(renderUserError(inBackend)).toContain("backends[0].command[3]: {{service.api.url}}");
    expect(renderUserError(inBackend)).toContain("Declare the service in backends[0].services");
  });

  test("a service placeholder without a name and .url is unknown too", async () => {
    const error = await failure({ backends: [backend([service("db")], { DB: "{{service.db.port}}" })] });
    expect(error).toMatchObject({ code: "SERVICE_UNKNOWN" });
    expect(renderUserError(error)).toContain("{{service.db.port}} names no service");
  });

  test("a cycle among services, shown as the path around it", async () => {
    const error = await failure({
      backends: [
        backend([
          service("web"),
          service("a", { B: "{{service.b.url}}" }),
          service("b", { C: "{{service.c.url}}" }),
          service("c", { A: "{{service.a.url}}" }),
        ]),
      ],
    });
    expect(error).toMatchObject({ name: "UserError", code: "SERVICE_CYCLE" });
    expect(renderUserError(error)).toContain("a cycle: a → b → c → a");

    const self = await failure({ backends: [backend([service("a", { A: "{{service.a.url}}" })])] });
    expect(renderUserError(self)).toContain("a cycle: a → a");
  });

  test("the lane's hop names are not service names; a backend given by url has no services", async () => {
    expect(renderUserError(await failure({ backends: [backend([service("B")])] }))).toContain(
      "backends[0].services[0].name: A, B, C are the lane's own hops",
    );
    const byUrl = await failure({
      backends: [
        {
          ...backend([service("db")]),
          command: undefined,
          url: "http://127.0.0.1:8000",
          providerPort: 4010,
        },
      ],
    });
    expect(renderUserError(byUrl)).toContain("backends[0].services: a backend given by `url`");
  });
});

describe("links scenarios name", () => {
  const backends = [{ name: "plain" }, { name: "stack", services: [{ name: "backend" }] }];

  test("A, B, C and any backend's service are known; a backend without that service skips the scenario", async () => {
    const onService = { id: "slow-backend", toxics: [{ hop: "backend" }, { hop: "C" }], down: ["A"] };
    expect(() => checkScenarioLinks([onService], backends)).not.toThrow();
    expect(missingLink(onService, backends[1]!)).toBeUndefined();
    expect(missingLink(onService, backends[0]!)).toBe(
      'backend "plain" has no service "backend", whose hop the scenario names (toxics[0].hop)',
    );
  });

  test("a link no backend has is exit 2, naming the field and the links there are", async () => {
    const error = await caught(
      Promise.resolve().then(() =>
        checkScenarioLinks(
          [{ id: "typo", source: { file: "/p/chaos/typo.ts" }, down: ["backnd"] }],
          backends,
        ),
      ),
    );
    expect(error).toMatchObject({ name: "UserError", code: "SCENARIO_UNKNOWN_LINK" });
    const text = renderUserError(error);
    expect(text).toContain('Scenario "typo" (/p/chaos/typo.ts) names a link no backend has');
    expect(text).toContain('down[0]: "backnd" is neither a hop of the lane');
    expect(text).toContain("(services: backend)");
  });

  test("services need the local runtime: the docker runtime is exit 2 before anything starts", async () => {
    expect(() => checkServicesRuntime(backends, "local")).not.toThrow();
    expect(() => checkServicesRuntime([{ name: "plain" }], "docker")).not.toThrow();
    const error = await caught(Promise.resolve().then(() => checkServicesRuntime(backends, "docker")));
    expect(error).toMatchObject({ name: "UserError", code: "SERVICES_NEED_LOCAL_RUNTIME" });
    expect(renderUserError(error)).toContain(
      'Backend "stack" declares services, which the docker runtime does not start',
    );
    expect(renderUserError(error)).toContain("--runtime local");
  });
});
