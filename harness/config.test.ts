import { describe, expect, test } from "vitest";
import { resolveConfig } from "./config.ts";

const backend = { name: "sut", command: "node server.js", provider: "openai", contract: "openai-relay" };

describe("config validation names the bad key, the value and what is allowed", () => {
  test("a minimal config resolves with defaults", () => {
    const config = resolveConfig({ backends: [backend] }, "test.json", "/srv/app");
    expect(config.edges).toEqual([{ edge: "direct" }]);
    expect(config.lanes).toBe("auto");
    expect(config.backends[0]!.contract.name).toBe("openai-relay");
    expect(config.backends[0]!.healthPath).toBe("/health");
    expect(config.outDir).toBe("/srv/app/.streamchaos/report");
    expect(config.allowInconclusive).toBe(false);
  });

  test("allowInconclusive is a boolean key", () => {
    expect(resolveConfig({ backends: [backend], allowInconclusive: true }, "t").allowInconclusive).toBe(true);
    expect(() => resolveConfig({ backends: [backend], allowInconclusive: "yes" }, "t")).toThrow(
      /allowInconclusive/,
    );
  });

  test.each([
    [{ backends: [] }, /backends: list at least one backend/],
    [{ backends: [{ ...backend, provider: "bedrock" }] }, /backends\[0\]\.provider/],
    [{ backends: [{ ...backend, contract: "nope" }] }, /Unknown contract "nope" at backends\[0\]\.contract/],
    [{ backends: [{ ...backend, command: undefined }] }, /give a `command`/],
    [{ backends: [backend, backend] }, /"sut" is used twice/],
    [{ backends: [backend], lanes: 0 }, /lanes/],
    [{ backends: [backend], runtime: "k8s" }, /runtime/],
    [{ backends: [backend], edgez: ["nginx"] }, /edgez/],
    [{ backends: [{ ...backend, healthPath: "health" }] }, /backends\[0\]\.healthPath/],
    [
      { backends: [{ ...backend, contract: { preset: "openai-relay", eventSource: "/stream" } }] },
      /backends\[0\]\.contract\.eventSource: must carry the message, e\.g\. \?q=\{message\}/,
    ],
  ])("%j is rejected", (raw, message) => {
    expect(() => resolveConfig(raw, "test.json")).toThrow(message);
  });

  test.each([
    [
      { backends: [{ ...backend, command: undefined, comand: "npm start" }] },
      "backends[0]",
      "comand",
      "command",
    ],
    [{ backends: [backend], reporter: ["junit"] }, "(top level)", "reporter", "reporters"],
    [
      { backends: [backend], edges: [{ edge: "nginx", profil: "sse-tuned" }] },
      "edges[0]",
      "profil",
      "profile",
    ],
    [
      { backends: [{ ...backend, contract: { preset: "openai-relay", capabilites: {} } }] },
      "backends[0].contract",
      "capabilites",
      "capabilities",
    ],
  ])("a mistyped key is answered with the key meant there: %#", (raw, where, typed, meant) => {
    try {
      resolveConfig(raw, "test.json");
      expect.unreachable();
    } catch (error) {
      expect((error as { why?: string }).why).toContain(
        `${where}: Unrecognized key: "${typed}"; did you mean \`${meant}\`?`,
      );
      expect((error as { code?: string }).code).toBe("CONFIG_INVALID");
    }
  });

  test("a key far from every allowed one gets no guess", () => {
    expect(() => resolveConfig({ backends: [backend], telemetry: true }, "t")).toThrow(
      expect.objectContaining({ why: expect.not.stringContaining("did you mean") }),
    );
  });

  test("user config edges resolve relative to the config file", () => {
    const config = resolveConfig(
      { backends: [backend], edges: [{ edge: "nginx", config: "deploy/nginx.conf" }] },
      "/srv/app/streamchaos.config.json",
      "/srv/app",
    );
    expect(config.edges[0]).toEqual({ edge: "nginx", config: "/srv/app/deploy/nginx.conf" });
  });
});
