import { describe, expect, test } from "vitest";
import type { BackendSpec } from "../boxes/runtime.ts";
import { callsProvider, servicesNamedBy, withServiceUrls } from "./services.ts";

const spec: BackendSpec = {
  name: "frontend",
  command: { command: "node", args: ["server.js", "--api={{ service.api.url }}/v1", "{{port}}"] },
  env: { BACKEND_URL: "{{service.backend.url}}", PORT: "{{port}}", PROVIDER: "{{provider.url}}" },
  healthPath: "/health",
  readyTimeoutMs: 1_000,
};

describe("{{service.<name>.url}}", () => {
  test("is filled in the command's args and the env with the origin of the service's hop; the rest is left for the runtime", () => {
    const filled = withServiceUrls(spec, { backend: "http://127.0.0.1:4001", api: "http://127.0.0.1:4002" });
    expect(filled.command!.args).toEqual(["server.js", "--api=http://127.0.0.1:4002/v1", "{{port}}"]);
    expect(filled.env).toEqual({
      BACKEND_URL: "http://127.0.0.1:4001",
      PORT: "{{port}}",
      PROVIDER: "{{provider.url}}",
    });
  });

  test("says which services a box calls, once each", () => {
    expect(servicesNamedBy(spec)).toEqual(["backend", "api"]);
    expect(
      servicesNamedBy({ ...spec, command: undefined, env: { A: "{{service.x.url}} {{service.x.url}}" } }),
    ).toEqual(["x"]);
  });
});

test("a box whose command or env names the provider is hop C's client", () => {
  expect(callsProvider(spec)).toBe(true);
  expect(callsProvider({ ...spec, env: { BASE: "{{ provider.openai.url }}/v1" } })).toBe(true);
  expect(callsProvider({ ...spec, env: { BACKEND_URL: "{{service.backend.url}}" } })).toBe(false);
});
