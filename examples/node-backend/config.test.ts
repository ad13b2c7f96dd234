import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.ts";

const base = { PORT: "8080", PROVIDER_BASE_URL: "http://127.0.0.1:4010/v1/" };

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      provider: "openai",
      baseUrl: "http://127.0.0.1:4010/v1",
      upstreamTimeoutMs: 30_000,
      keepaliveMs: 15_000,
      streamOptions: false,
    });
    expect(config.bugs.size).toBe(0);
  });

  it("parses bug lists with spaces and empty items", () => {
    expect([...loadConfig({ ...base, BUGS: " no-keepalive, ,silent-errors" }).bugs]).toEqual([
      "no-keepalive",
      "silent-errors",
    ]);
  });

  it.each([
    [{ PORT: "" }, /PORT is required/],
    [{ PORT: "80.5" }, /PORT=80.5 must be an integer/],
    [{ UPSTREAM_TIMEOUT_MS: "0" }, /UPSTREAM_TIMEOUT_MS=0/],
    [{ KEEPALIVE_MS: "soon" }, /KEEPALIVE_MS=soon/],
    [{ STREAM_OPTIONS: "yes" }, /STREAM_OPTIONS=yes/],
    [
      { PROVIDER: "ollama" },
      /PROVIDER=ollama is not known; use one of openai, openrouter, anthropic, gemini/,
    ],
    [{ PROVIDER_BASE_URL: "" }, /PROVIDER_BASE_URL is required/],
    [{ PROVIDER_BASE_URL: "not a url" }, /is not a URL/],
    [{ BUGS: "headers-first" }, /unknown bug "headers-first"; known bugs: headers-before-first-chunk, /],
  ])("refuses %j", (override, message) => {
    expect(() => loadConfig({ ...base, ...override })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...override })).toThrow(message);
  });
});
