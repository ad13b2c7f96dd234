import { describe, expect, it } from "vitest";
import { redactDeep, redactSecrets } from "./redact.ts";

describe("redactSecrets", () => {
  it.each([
    ["authorization: Bearer abcdefgh12345678", "authorization: [redacted]"],
    ['{"Authorization":"Bearer abc.def-ghi"}', '{"Authorization":"[redacted]"}'],
    ['\\"x-api-key\\": \\"sk-ant-api03-abcdefghijklmnop\\"', '\\"x-api-key\\": \\"[redacted]\\"'],
    ["curl -H 'api-key: 0123456789abcdef'", "curl -H 'api-key: [redacted]'"],
    ["calling with bearer AAAAbbbbCCCCdddd", "calling with bearer [redacted]"],
    ["OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrst", "OPENAI_API_KEY=[redacted]"],
    [
      "env ANTHROPIC_API_KEY=fake-123 HF_TOKEN=hf_x node app.js",
      "env ANTHROPIC_API_KEY=[redacted] HF_TOKEN=[redacted] node app.js",
    ],
    [
      "GET /v1beta/models?key=AIzaSyA1234567890abcdefghijklmnopqrs&alt=sse",
      "GET /v1beta/models?key=[redacted]&alt=sse",
    ],
  ])("masks %s", (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it("leaves ordinary evidence alone", () => {
    const text =
      'data: {"choices":[{"delta":{"content":"the key to sk-ills"}}]}\\r\\n\\r\\n authorization failed';
    expect(redactSecrets(text)).toBe(text);
  });

  it("copies deeply without touching numbers or the original", () => {
    const original = { a: ["Bearer abcdefgh12345678"], n: 3, nested: { t: 1.5, s: "ok" } };
    expect(redactDeep(original)).toEqual({ a: ["Bearer [redacted]"], n: 3, nested: { t: 1.5, s: "ok" } });
    expect(original.a[0]).toBe("Bearer abcdefgh12345678");
  });
});
