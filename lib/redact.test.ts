import { describe, expect, it } from "vitest";
import { UserError } from "./errors.ts";
import {
  createRedactor,
  isSecretName,
  REDACTED,
  redactDeep,
  redactError,
  redactText,
  secretEnvValues,
} from "./redact.ts";

const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";

describe("isSecretName", () => {
  it.each([
    "authorization",
    "Proxy-Authorization",
    "Cookie",
    "set-cookie",
    "X-Internal-Token",
    "x_internal_token",
    "xInternalToken",
    "x-api-key",
    "X-Goog-Api-Key",
    "api_key",
    "apiKey",
    "APIKEY",
    "key",
    "access_token",
    "client_secret",
    "clientSecret",
    "INTERNAL_SECRET",
    "SECRET_KEY_BASE",
    "DB_PASSWORD",
    "DB_PASSWORD_FILE",
    "passwd",
    "credentials",
  ])("%s is secret", (name) => {
    expect(isSecretName(name)).toBe(true);
  });

  it.each([
    "tokens",
    "max_tokens",
    "maxTokens",
    "max_completion_tokens",
    "token_count",
    "token_type",
    "keys",
    "key_id",
    "monkey",
    "content",
    "x-request-id",
    "stream_options",
    "LOG_LEVEL",
  ])("%s is not", (name) => {
    expect(isSecretName(name)).toBe(false);
  });
});

describe("redactText", () => {
  it.each([
    // Names, in every form a log line or a quoted header takes.
    ["authorization: Bearer abcdefgh12345678", "authorization: [redacted]"],
    ['{"Authorization":"Bearer abc.def-ghi"}', '{"Authorization":"[redacted]"}'],
    ['\\"x-api-key\\": \\"sk-ant-api03-abcdefghijklmnop\\"', '\\"x-api-key\\": \\"[redacted]\\"'],
    ["curl -H 'api-key: 0123456789abcdef'", "curl -H 'api-key: [redacted]'"],
    ["Cookie: sid=abc123; theme=dark\r\nHost: x", "Cookie: [redacted]\r\nHost: x"],
    ["cookie: sid=abc123; theme=dark\\r\\nhost: x", "cookie: [redacted]\\r\\nhost: x"],
    ['{"cookie":"sid=abc123; theme=dark","x":1}', '{"cookie":"[redacted]","x":1}'],
    ["X-Internal-Token: itok-7c1e5b2a9d", "X-Internal-Token: [redacted]"],
    ["password: letmein", "password: [redacted]"],
    ["retrying with token: abc123 now", "retrying with token: [redacted] now"],
    ["DB_PASSWORD=12345678 pin=123456", "DB_PASSWORD=[redacted] pin=123456"],
    // A hop's raw bytes, quoted escaped: each header name follows a literal `\r\n`.
    [
      "POST / HTTP/1.1\\r\\ncookie: sid=c00k1e-v4lue\\r\\nauthorization: Basic dXNlcjpwYXNz\\r\\n",
      "POST / HTTP/1.1\\r\\ncookie: [redacted]\\r\\nauthorization: [redacted]\\r\\n",
    ],
    // Caddy's access log: header values are lists.
    [
      '{"headers":{"X-Internal-Token":["itok-7c1e5b2a9d"],"Accept":["*/*"]}}',
      '{"headers":{"X-Internal-Token":[redacted],"Accept":["*/*"]}}',
    ],
    ['{"metadata":{"api_key":"body-key-0f3e9a7c21"}}', '{"metadata":{"api_key":"[redacted]"}}'],
    ["OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrst", "OPENAI_API_KEY=[redacted]"],
    [
      "env ANTHROPIC_API_KEY=fake-123 HF_TOKEN=hf_x INTERNAL_SECRET=hunter2 node app.js",
      "env ANTHROPIC_API_KEY=[redacted] HF_TOKEN=[redacted] INTERNAL_SECRET=[redacted] node app.js",
    ],
    [
      "GET /v1beta/models?key=AIzaSyA1234567890abcdefghijklmnopqrs&alt=sse",
      "GET /v1beta/models?key=[redacted]&alt=sse",
    ],
    // Shapes, with no name beside them.
    ["calling with bearer AAAAbbbbCCCCdddd1", "calling with bearer [redacted]"],
    ["groq gsk_4sVq9YtR2wPn7LmKd3Hx8ZcB1fJg6TaE0uWo5iQy ok", "groq [redacted] ok"],
    ["anthropic sk-ant-api03-Zq8Xw7Ve6Ud5Tc4Sb3Ra2Q-p1Oo0Nn9Mm8Ll ok", "anthropic [redacted] ok"],
    ["openai sk-proj-abc123def456ghi789jkl ok", "openai [redacted] ok"],
    ["xai xai-Rk2Lm9Pq4Ws7Xv1Zb6Nc3Hd8Jf5Gt0YuEo ok", "xai [redacted] ok"],
    ["google AIzaSyA1234567890abcdefghijklmnopqrs ok", "google [redacted] ok"],
    [`session ${JWT} ok`, "session [redacted] ok"],
    ["github ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok", "github [redacted] ok"],
  ])("masks %s", (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    'data: {"choices":[{"delta":{"content":"the key to sk-ills"}}]}\\r\\n\\r\\n authorization failed',
    'usage {"tokens": 12, "max_tokens": 256, "token_count": 3}: the key to a short answer',
    "a primary key is not a secret; neither is sk-learn-preprocessing nor Bearer tokenization-approaches",
    '{"token_type":"Bearer","keys":["a","b"],"stream_options":{"include_usage":true}}',
    '{"api_key":null,"auth":false}',
    "x-request-id: 4f9a8b7c6d5e4f3a2b1c",
    "first token: provider emitted → client received",
    // A fault's place in the stream, as failure messages and scenario titles spell it.
    "the provider sent fin at token:5 and the relay ended cleanly; key=3 of 8",
  ])("keeps %s", (text) => {
    expect(redactText(text)).toBe(text);
  });

  it("is stable: a redacted text redacted again does not change", () => {
    for (const text of [
      "authorization: Bearer abcdefgh12345678",
      '{"X-Internal-Token":["itok-7c1e5b2a9d"]}',
      "Cookie: a=b; c=d",
      `jwt ${JWT}`,
    ]) {
      const once = redactText(text);
      expect(redactText(once)).toBe(once);
    }
  });

  it("masks a key shape standing alone at the shortest length a shape can have", () => {
    // Shorter text is not scanned for shapes at all: this is where that line is drawn.
    expect(redactText("xoxb-1234567890")).toBe(REDACTED);
    expect(redactText("xoxb-123456789")).toBe("xoxb-123456789");
    expect(redactText(`${"sk-"}a1${"b".repeat(14)}`)).toBe(REDACTED);
    expect(redactText("Bearer 1234567890abcdef")).toBe(`Bearer ${REDACTED}`);
  });
});

describe("createRedactor with known values", () => {
  const env = {
    INTERNAL_SECRET: "hunter2-very-long-value",
    OPENAI_API_KEY: 'quo"te-and\\back',
    SHORT_TOKEN: "abc",
    PORT: "8000",
    OPENAI_BASE_URL: "http://127.0.0.1:4010/v1",
  };

  it("takes the values of secret-looking env vars long enough to mask", () => {
    expect(secretEnvValues(env)).toEqual(["hunter2-very-long-value", 'quo"te-and\\back']);
  });

  it("masks them anywhere, also JSON-escaped, with no name or shape around them", () => {
    const redactor = createRedactor({ values: secretEnvValues(env) });
    expect(redactor.text("credential in use (hunter2-very-long-value)")).toBe(
      "credential in use ([redacted])",
    );
    expect(redactor.text('sent \\"quo\\"te-and\\\\back\\"')).toBe('sent \\"[redacted]\\"');
    expect(redactor.text("listening on 8000 with http://127.0.0.1:4010/v1")).toBe(
      "listening on 8000 with http://127.0.0.1:4010/v1",
    );
  });

  it("copies deeply: strings masked, secret-named fields replaced, numbers and the original kept", () => {
    const redactor = createRedactor({ values: ["hunter2-very-long-value"] });
    const original = {
      a: ["Bearer abcdefgh12345678", "hunter2-very-long-value"],
      n: 3,
      nested: { t: 1.5, s: "ok", api_key: "x-123456", max_tokens: 256, auth: { token: "y" } },
    };
    expect(redactor.deep(original)).toEqual({
      a: ["Bearer [redacted]", "[redacted]"],
      n: 3,
      nested: { t: 1.5, s: "ok", api_key: "[redacted]", max_tokens: 256, auth: "[redacted]" },
    });
    expect(original.a[0]).toBe("Bearer abcdefgh12345678");
    expect(redactDeep({ tokens: 12 })).toEqual({ tokens: 12 });
  });
});

describe("shared", () => {
  it("masks as deep does, handing back what has nothing masked in it and copying only the way to what has", () => {
    const redactor = createRedactor();
    const messages = [{ role: "user", content: "go" }];
    const clean = { model: "gpt-4o", stream: true, messages, n: 2 };
    expect(redactor.shared(clean)).toBe(clean);

    const options = { temperature: 0.2 };
    const leaky = { messages, auth: { token: "y" }, note: "Bearer abcdefgh12345678", options };
    const masked = redactor.shared(leaky);
    expect(masked).toEqual(redactor.deep(leaky));
    expect(masked).toEqual({ messages, auth: "[redacted]", note: "Bearer [redacted]", options });
    expect(masked).not.toBe(leaky);
    expect(masked.messages).toBe(messages);
    expect(masked.options).toBe(options);
    expect(leaky.auth).toEqual({ token: "y" });

    const list = ["ok", "sk-proj-abcdefgh12345678", "fine"];
    const maskedList = redactor.shared(list);
    expect(maskedList).toEqual(["ok", "[redacted]", "fine"]);
    expect(list[1]).toBe("sk-proj-abcdefgh12345678");
    expect(redactor.shared("plain words")).toBe("plain words");
  });
});

describe("redactError", () => {
  it("masks every line an error prints, keeping its class and code", () => {
    const error = new UserError("PROCESS_EXITED_EARLY", {
      what: 'backend "x" exited',
      why: "command: node -e 'boot(\"gsk_4sVq9YtR2wPn7LmKd3Hx8ZcB1fJg6TaE0uWo5iQy\")'",
      fix: "Run it by hand.",
      details: ["[stderr] starting with hunter2-very-long-value"],
      cause: new Error("hunter2-very-long-value"),
    });
    const redacted = redactError(error, createRedactor({ values: ["hunter2-very-long-value"] })) as UserError;
    expect(redacted).toBeInstanceOf(UserError);
    expect(redacted.code).toBe("PROCESS_EXITED_EARLY");
    expect(redacted.why).toBe("command: node -e 'boot(\"[redacted]\")'");
    expect(redacted.details).toEqual(["[stderr] starting with [redacted]"]);
    expect(redacted.message).not.toContain("hunter2");
    expect(redacted.cause).toBeUndefined();
  });
});
