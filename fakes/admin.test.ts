import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { StreamchaosError, UserError } from "../lib/errors.ts";
import { FakeProviderClient, type StartedFakeProvider, startFakeProvider, validateScript } from "./index.ts";
import { rawRequest } from "./testing/raw-http.ts";

let fake: StartedFakeProvider;
let client: FakeProviderClient;
beforeAll(async () => {
  fake = await startFakeProvider();
  client = new FakeProviderClient(fake.adminUrl);
});
afterAll(async () => {
  await fake[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await fake.reset();
});

const put = (url: string, body: unknown) =>
  fetch(`${url}/__streamchaos/script`, { method: "PUT", body: JSON.stringify(body) });
const chat = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  rawRequest(fake.url, {
    path: "/v1/chat/completions",
    body: { model: "gpt-4o", stream: true, ...body },
    headers,
  });

describe("script validation names the bad field and what is allowed", () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["wrong type", { content: { text: 42 } }, /^content\.text: .*expected string/],
    [
      "wrong enum",
      { finishReason: "done" },
      /^finishReason: .*"stop"\|"length"\|"tool_calls"\|"content_filter"/,
    ],
    [
      "unknown fault",
      { faults: [{ fault: "explode" }] },
      /^faults\[0\]\.fault: unknown fault "explode"; allowed: http-error, .*hold-open/,
    ],
    ["unknown key", { pacing: { intervalMS: 5 } }, /^pacing\.intervalMS: unknown key "intervalMS"/],
    [
      "unknown fault param",
      { faults: [{ fault: "fin", status: 500 }] },
      /^faults\[0\]\.status: unknown key "status"/,
    ],
    [
      "bad placement",
      { faults: [{ fault: "http-error", status: 500, at: { phase: "mid-stream" } }] },
      /^faults\[0\]\.at: http-error cannot be placed at \{"phase":"mid-stream"\}; allowed: \{"phase":"pre-stream"\}/,
    ],
    [
      "positional not allowed",
      { faults: [{ fault: "hold-open", at: { byte: 10 } }] },
      /^faults\[0\]\.at: hold-open cannot be placed at \{"byte":10\}; allowed: \{"phase":"after-terminator"\}/,
    ],
    [
      "malformed placement",
      { faults: [{ fault: "fin", at: { phase: "later" } }] },
      /^faults\[0\]\.at: must be \{"phase": one of pre-stream\|mid-stream\|after-finish\|after-terminator\}/,
    ],
    [
      "bad status",
      { faults: [{ fault: "http-error", status: 200 }] },
      /^faults\[0\]\.status: must be a 4xx or 5xx status/,
    ],
    ["missing param", { faults: [{ fault: "stall" }] }, /^faults\[0\]\.ms: .*expected number/],
    [
      "reject-param style",
      { faults: [{ fault: "reject-param", style: "openai" }] },
      /^faults\[0\]\.style: .*"groq"\|"one-api"\|"mistral"\|"bedrock"/,
    ],
    ["not an object", [1, 2], /^\(script\): a script must be a JSON object/],
  ];
  for (const [name, script, message] of cases) {
    it(`${name}: validateScript throws a UserError and the admin API answers 400`, async () => {
      let thrown: unknown;
      try {
        validateScript(script);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(UserError);
      expect((thrown as UserError).code).toBe("FAKE_INVALID_SCRIPT");
      expect((thrown as UserError).why).toMatch(message);

      for (const url of [fake.url, fake.adminUrl]) {
        const response = await put(url, script);
        expect(response.status).toBe(400);
        const body = (await response.json()) as {
          error: { code: string; issues: Array<{ field: string; message: string }> };
        };
        expect(body.error.code).toBe("FAKE_INVALID_SCRIPT");
        const first = body.error.issues[0]!;
        expect(`${first.field}: ${first.message}`).toMatch(message);
      }
    });
  }

  it("the client surfaces the 400 as a coded error with the issues", async () => {
    const error = await client.setScript({ faults: [{ fault: "nope" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamchaosError);
    expect((error as StreamchaosError).code).toBe("FAKE_INVALID_SCRIPT");
    expect((error as StreamchaosError).message).toMatch(/faults\[0\]\.fault: unknown fault "nope"/);
  });

  it("an unknown provider in a match is a 400 naming the allowed ones", async () => {
    const response = await fetch(`${fake.adminUrl}/__streamchaos/scripts`, {
      method: "POST",
      body: JSON.stringify({ script: {}, match: { provider: "bard" } }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("FAKE_INVALID_MATCH");
    expect(body.error.message).toMatch(
      /match\.provider: unknown provider; allowed: openai, openai-responses, anthropic, gemini, openrouter, ollama/,
    );
    expect(() => fake.baseUrl("bard" as never)).toThrow(/Unknown provider "bard"/);
  });

  it("a body that is not JSON is a 400", async () => {
    const response = await fetch(`${fake.adminUrl}/__streamchaos/script`, { method: "PUT", body: "{nope" });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("FAKE_INVALID_JSON");
  });
});

describe("per-match scripts", () => {
  it("match on header, model, path, provider and body; first added wins; times runs out", async () => {
    await client.setScript({ content: { text: "default answer" } });
    await client.addScript(
      { name: "by-header", content: { text: "header" } },
      { header: "x-scenario=s1" },
      1,
    );
    await client.addScript({ name: "by-model", content: { text: "model" } }, { model: "gpt-special" });
    await client.addScript({ name: "by-body", content: { text: "body" } }, { bodyContains: "magic words" });
    await client.addScript(
      { name: "by-provider", content: { text: "anthropic" } },
      { provider: "anthropic", path: "/v1/messages" },
    );

    await chat({}, { "X-Scenario": "s1" });
    await chat({}, { "X-Scenario": "s1" }); // spent after one use: falls through to default
    await chat({ model: "gpt-special" }, { "x-scenario": "s1" });
    await chat({ messages: [{ role: "user", content: "say the magic words" }] });
    await rawRequest(fake.url, { path: "/v1/messages", body: { stream: true } });
    const journal = await client.journal();
    expect(journal.map((e) => e.script)).toEqual([
      "by-header",
      "default",
      "by-model",
      "by-body",
      "by-provider",
    ]);
  });

  it("reset clears matches, the journal and restores the starting script", async () => {
    await client.addScript({ faults: [{ fault: "http-error", status: 500 }] });
    expect((await chat()).status).toBe(500);
    await client.reset();
    expect(await client.journal()).toEqual([]);
    expect((await chat()).status).toBe(200);
  });
});

describe("journal", () => {
  it("records the request with secrets redacted, the events, the faults and the ends", async () => {
    await fake.setScript({
      content: { tokens: ["a", "b"] },
      faults: [{ fault: "malformed-json", at: { event: 1 } }],
    });
    await rawRequest(fake.url, {
      path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=SECRET123",
      body: { contents: [] },
      headers: {
        Authorization: "Bearer sk-secret",
        "x-goog-api-key": "g-secret",
        "api-key": "a",
        "x-api-key": "b",
      },
    });
    const [entry] = await client.waitFor({ event: "response-ended" }, 5000);
    expect(entry!.provider).toBe("gemini");
    expect(entry!.query).toBe("alt=sse&key=[redacted]");
    expect(JSON.stringify(entry)).not.toMatch(/SECRET123|sk-secret|g-secret/);
    expect(entry!.headers.authorization).toBe("[redacted]");
    expect(entry!.headers["x-api-key"]).toBe("[redacted]");
    expect(entry!.headers["api-key"]).toBe("[redacted]");
    expect(entry!.body).toEqual({ contents: [] });
    expect(entry!.status).toBe(200);
    expect(entry!.events.map((e) => e.kind)).toEqual(["content", "malformed", "content"]);
    expect(entry!.events.filter((e) => e.text !== undefined).map((e) => e.text)).toEqual(["a", "b"]);
    expect(entry!.faults).toMatchObject([{ fault: "malformed-json", at: "event:1" }]);
    expect(entry!.outcome).toBe("fault");
    expect(entry!.t.received).toBeLessThanOrEqual(entry!.t.headersSent!);
    expect(entry!.t.headersSent).toBeLessThanOrEqual(entry!.t.firstContent!);
    expect(entry!.t.lastByte).toBeLessThanOrEqual(entry!.t.responseEnded!);
    expect(await client.entry(entry!.id)).toEqual(entry);
  });

  it("redacts by structure: cookies, custom token headers, nested body fields, key shapes", async () => {
    const secrets = [
      "sid=c00k1e-s3ss10n",
      "itok-7c1e5b2a9d",
      "body-key-0f3e9a7c21",
      "pw-0f3e9a7c21",
      "gsk_4sVq9YtR2wPn7LmKd3Hx8ZcB1fJg6TaE0uWo5iQy",
      "xai-Rk2Lm9Pq4Ws7Xv1Zb6Nc3Hd8Jf5Gt0YuEo",
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTQyIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    ];
    // A script keyed on a secret header still matches: scripts see the request, the journal does not.
    await client.addScript({ content: { text: "matched" } }, { header: { "X-Internal-Token": secrets[1]! } });
    const response = await rawRequest(fake.url, {
      path: "/v1/chat/completions",
      body: {
        model: "m",
        stream: true,
        max_tokens: 256,
        messages: [{ role: "user", content: `my groq key is ${secrets[4]}` }],
        metadata: { tokens: 12, user: { api_key: secrets[2], Password: secrets[3] } },
      },
      headers: {
        Cookie: secrets[0]!,
        "X-Internal-Token": secrets[1]!,
        "X-Forwarded-Authorization": `Bearer ${secrets[6]}`,
        "X-Upstream": `key ${secrets[5]}`,
      },
    });
    expect(response.body.toString()).toContain("matched");
    const [entry] = await client.waitFor({ event: "response-ended" }, 5000);
    const text = JSON.stringify(entry);
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([]);
    expect(entry!.headers).toMatchObject({
      cookie: "[redacted]",
      "x-internal-token": "[redacted]",
      "x-forwarded-authorization": "[redacted]",
      "x-upstream": "key [redacted]",
    });
    expect(entry!.body).toEqual({
      model: "m",
      stream: true,
      max_tokens: 256,
      messages: [{ role: "user", content: "my groq key is [redacted]" }],
      metadata: { tokens: 12, user: { api_key: "[redacted]", Password: "[redacted]" } },
    });
  });

  it("wait long-polls for a request, the end of a response, and the client closing", async () => {
    await fake.setScript({ pacing: { firstTokenMs: 300 } });
    const arrived = client.waitFor({ event: "request", provider: "openai" }, 5000);
    const closed = client.waitFor({ event: "client-closed", duringResponse: true }, 5000);
    void chat({}, {}).catch(() => {});
    const [request] = await arrived;
    expect(request!.outcome).toBe("in-progress");
    await rawRequest(fake.url, { path: "/v1/chat/completions", body: { stream: true }, abortAfterMs: 50 });
    const [left] = await closed;
    expect(left!.clientClose).toMatchObject({ how: "fin", duringResponse: true });
    const ended = await fake.waitFor({ event: "response-ended", count: 2 }, 5000);
    expect(ended).toHaveLength(2);
    const predicate = await fake.waitFor((entries) => entries.find((e) => e.outcome === "complete"), 5000);
    expect(predicate.outcome).toBe("complete");
  });

  it("a journal limit keeps the newest finished requests and says how many it dropped", async () => {
    await using limited = await startFakeProvider({
      journalLimit: 2,
      script: { pacing: { firstTokenMs: 5000 } },
    });
    const open = rawRequest(limited.url, {
      path: "/v1/chat/completions",
      body: { model: "held", stream: true },
      abortAfterMs: 60_000,
    }).catch(() => undefined);
    await limited.waitFor({ event: "request", count: 1 }, 5000);
    await limited.setScript({});
    for (const model of ["m1", "m2", "m3", "m4"]) {
      await rawRequest(limited.url, { path: "/v1/chat/completions", body: { model, stream: true } });
    }
    const response = await fetch(`${limited.adminUrl}/__streamchaos/journal`);
    const entries = (await response.json()) as Array<{ model?: string; body: { model: string } }>;
    // The in-progress one is never dropped, even as the oldest; of the finished, the last two stay.
    expect(entries.map((e) => e.body.model)).toEqual(["held", "m3", "m4"]);
    expect(response.headers.get("x-streamchaos-journal-dropped")).toBe("2");
    await limited.reset();
    const cleared = await fetch(`${limited.adminUrl}/__streamchaos/journal`);
    expect(cleared.headers.get("x-streamchaos-journal-dropped")).toBe("0");
    await limited[Symbol.asyncDispose]();
    await open;
  });

  it("startFakeProvider rejects a journal limit that keeps nothing, saying what to pass", async () => {
    for (const journalLimit of [0, -3, 2.5, Number.NaN]) {
      const error = await startFakeProvider({ journalLimit }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe("FAKE_BAD_JOURNAL_LIMIT");
      expect((error as UserError).message).toContain(`journalLimit ${journalLimit} is not a number`);
      expect((error as UserError).message).toContain("leave it out to keep every entry");
    }
  });

  it("wait times out with 408 / FAKE_WAIT_TIMEOUT", async () => {
    const error = await client
      .waitFor({ event: "request", provider: "ollama" }, 100)
      .catch((e: unknown) => e);
    expect((error as StreamchaosError).code).toBe("FAKE_WAIT_TIMEOUT");
  });
});

it("baseUrl gives what each client puts in its base-URL setting", () => {
  expect(fake.baseUrl("openai")).toBe(`${fake.url}/v1`);
  expect(fake.baseUrl("openai-responses")).toBe(`${fake.url}/v1`);
  expect(fake.baseUrl("openrouter")).toBe(`${fake.url}/api/v1`);
  for (const p of ["anthropic", "gemini", "ollama"] as const) expect(fake.baseUrl(p)).toBe(fake.url);
});

it("disposing closes both ports", async () => {
  const other = await startFakeProvider();
  const { url, adminUrl } = other;
  await other[Symbol.asyncDispose]();
  for (const u of [url, adminUrl]) await expect(fetch(`${u}/__streamchaos/health`)).rejects.toThrow();
});
