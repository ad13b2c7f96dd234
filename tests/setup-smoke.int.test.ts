import { describe, expect, test } from "vitest";
import { type BackendConfig, resolveConfig } from "../harness/config.ts";
import { hardenedBackends, pythonBackendAvailable } from "../harness/demo.ts";
import type { Reporter } from "../harness/reporter.ts";
import type { ScenarioResult } from "../harness/results.ts";
import { runSuite } from "../harness/runner.ts";
import { renderUserError, type StreamchaosError } from "../lib/errors.ts";
import { smallTextBackend } from "./testing/small-backend.ts";

/**
 * The smoke exchange before the catalog: a backend whose requests never carry the scenario's message
 * to the provider stops the run with exit 2 (a UserError) before any scenario, showing what was sent,
 * what the fake received and how to fix the contract. Never a green run.
 */

async function smokeFailure(backend: BackendConfig): Promise<{ error: StreamchaosError; results: number }> {
  let results = 0;
  const counting: Reporter = {
    name: "count",
    onResult: () => {
      results++;
    },
    onFinish: async () => ({ files: [] }),
  };
  const config = resolveConfig({ backends: [backend], scenarios: ["happy-path", "pre-500-*"] }, "test");
  const error = await runSuite({ config, reporters: [counting] }).then(
    () => {
      throw new Error("the run went on: the smoke exchange let a broken setup through");
    },
    (e: StreamchaosError) => e,
  );
  return { error, results };
}

describe("the smoke exchange stops a run whose setup would make every check degrade", () => {
  test("a backend that reads {prompt} while the contract sends {message}: the message never arrives", async () => {
    const { error, results } = await smokeFailure(
      smallTextBackend("reads-prompt", `await relay(res, body.prompt ?? "Tell me a joke");`),
    );
    expect(results).toBe(0);
    expect(error).toMatchObject({ name: "UserError", code: "SETUP_SMOKE_MESSAGE_NOT_FORWARDED" });
    const text = renderUserError(error);
    expect(text).toContain('Backend "reads-prompt" called the provider without the message');
    expect(text).toMatch(/sent: POST \/chatbot\/chat \{"message":"Say hello \[lane\d+-.*-smoke\]"\}/);
    expect(text).toMatch(/the fake provider received: POST \/v1\/chat\/completions .*Tell me a joke/);
    expect(text).toContain("backend answered: HTTP 200");
    expect(text).toContain("override the contract's request()");
    expect(text).toContain('contract: defineContract({ ...contractPresets["text-marker"]({}),');
    expect(text).toContain('request: ({ message }) => ({ method: "POST", path: "/chatbot/chat"');
    // The journal redacts the provider key the backend sent; the excerpt shows the body only.
    expect(text).not.toContain("sk-test-key");
  }, 60_000);

  test("a backend that never calls the provider: is its base URL templated from {{provider.url}}?", async () => {
    const { error, results } = await smokeFailure(
      smallTextBackend("canned", `res.writeHead(200, { "content-type": "text/plain" }); res.end("Hello!");`),
    );
    expect(results).toBe(0);
    expect(error).toMatchObject({ code: "SETUP_SMOKE_NO_PROVIDER_CALL" });
    const text = renderUserError(error);
    expect(text).toContain("the fake provider received: nothing");
    expect(text).toContain("{{provider.url}}");
    expect(text).toContain("backend answered: HTTP 200, 6 body bytes: Hello!");
  }, 60_000);

  test("a backend that answers 404 on the contract's path", async () => {
    const { error, results } = await smokeFailure(
      smallTextBackend(
        "other-path",
        `if (req.url !== "/api/chat") { res.writeHead(404, { "content-type": "application/json" }); return res.end('{"detail":"Not Found"}'); }
        await relay(res, body.message);`,
      ),
    );
    expect(results).toBe(0);
    expect(error).toMatchObject({ code: "SETUP_SMOKE_BAD_STATUS" });
    const text = renderUserError(error);
    expect(text).toContain('Backend "other-path" answered HTTP 404 to the smoke request');
    expect(text).toContain('backend answered: HTTP 404, 22 body bytes: {"detail":"Not Found"}');
    expect(text).toContain("the fake provider received: nothing");
    expect(text).toContain('path: "/chatbot/chat"');
  }, 60_000);

  test("a backend that forwards the message passes and its scenarios run", async () => {
    const backend = smallTextBackend("forwards", `await relay(res, body.message);`);
    const config = resolveConfig({ backends: [backend], scenarios: ["pre-500-server-error"] }, "test");
    const run = await runSuite({ config, reporters: [] });
    expect(run.results.map((r: ScenarioResult) => r.scenario.id)).toEqual(["pre-500-server-error"]);
  }, 60_000);
});

describe("the reference backends pass the smoke exchange on every edge", () => {
  const python = pythonBackendAvailable();
  // The smoke runs once per backend per run: one run per edge makes each edge carry it.
  for (const edge of ["direct", "nginx", "caddy"]) {
    test(`on ${edge}`, async () => {
      const config = resolveConfig(
        { backends: hardenedBackends({ python }), edges: [edge], scenarios: ["happy-path"], lanes: 2 },
        "test",
      );
      const run = await runSuite({ config, reporters: [] });
      expect(run.results.map((r) => `${r.backend}: ${r.status}`).sort()).toEqual(
        config.backends.map((b) => `${b.name}: pass`).sort(),
      );
    }, 120_000);
  }
});
