import { expect, test } from "vitest";
import { resolveConfig } from "./config.ts";
import { describeSetup } from "./run-setup.ts";

test("a backend's services are kept in the run's setup as configured, so a repro's config loads again", async () => {
  const raw = {
    backends: [
      {
        name: "frontend",
        command: "node frontend.js",
        env: { API: "{{service.api.url}}" },
        provider: "openai",
        contract: "text-marker",
        services: [
          { name: "api", command: ["node", "api.js"], cwd: "api", env: { DB: "{{service.db.url}}" } },
          { name: "db", command: "node db.js" },
        ],
      },
    ],
  };
  const setup = await describeSetup(resolveConfig(raw, "t", "/project"), []);
  expect(setup.backends[0]!.services).toEqual([
    { name: "db", command: "node db.js", env: {}, healthPath: "/health", readyTimeoutMs: 20_000 },
    {
      name: "api",
      command: ["node", "api.js"],
      cwd: "/project/api",
      env: { DB: "{{service.db.url}}" },
      healthPath: "/health",
      readyTimeoutMs: 20_000,
    },
  ]);
  const again = resolveConfig({ backends: setup.backends }, "repro", "/elsewhere");
  expect(again.backends[0]!.services!.map((s) => [s.name, s.cwd, s.dependsOn])).toEqual([
    ["db", undefined, []],
    ["api", "/project/api", ["db"]],
  ]);
});
