import { describe, expect, it } from "vitest";
import type { BackendSpec } from "../boxes/runtime.ts";
import { withProviderUrls } from "./provider-urls.ts";

const spec = (env: Record<string, string>): BackendSpec => ({
  name: "sut",
  env,
  healthPath: "/health",
  readyTimeoutMs: 1_000,
});

describe("withProviderUrls", () => {
  it("points the backend's provider settings at hop C, with each provider's base path", () => {
    const { env } = withProviderUrls(
      spec({
        BASE: "{{provider.url}}",
        ORIGIN: "{{ provider.origin }}",
        NAME: "{{provider.name}}",
        ROUTER: "{{provider.openrouter.url}}/models",
        CLAUDE: "{{provider.anthropic.url}}",
      }),
      "openai",
      "http://127.0.0.1:4010",
    );
    expect(env).toEqual({
      BASE: "http://127.0.0.1:4010/v1",
      ORIGIN: "http://127.0.0.1:4010",
      NAME: "openai",
      ROUTER: "http://127.0.0.1:4010/api/v1/models",
      CLAUDE: "http://127.0.0.1:4010",
    });
  });

  it("leaves the runtime's placeholders and unknown provider ones for the runtime to fill or reject", () => {
    const { env } = withProviderUrls(
      spec({ PORT: "{{port}}", TYPO: "{{provider.openia.url}}" }),
      "openai",
      "http://127.0.0.1:4010",
    );
    expect(env).toEqual({ PORT: "{{port}}", TYPO: "{{provider.openia.url}}" });
  });
});
