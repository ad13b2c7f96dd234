import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { framingOf, splitBody } from "../cassettes/framing/framing.ts";
import { type StartedFakeProvider, startFakeProvider } from "../index.ts";
import type { ProviderName } from "../journal-types.ts";
import { rawRequest } from "../testing/raw-http.ts";
import { providers } from "./registry.ts";

/**
 * A replay journals recorded events by its codec's `classify`; a synthesized stream journals the
 * kinds its plan gives. The two must agree on every provider's own bytes, or a check that reads the
 * journal would judge a replay differently from the stream it recorded.
 */
let fake: StartedFakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider({
    script: {
      content: {
        text: "Checking Zürich now.",
        thinking: "The user wants the weather, so I call the tool.",
        toolCalls: [
          { name: "get_weather", arguments: '{"location": "Zürich, CH"}' },
          { name: "get_time", arguments: '{"tz": "Europe/Zurich"}' },
        ],
      },
    },
  });
});
afterAll(async () => {
  await fake[Symbol.asyncDispose]();
});

const ROUTES: Array<[ProviderName, string, unknown]> = [
  ["openai", "/v1/chat/completions", { stream: true, stream_options: { include_usage: true } }],
  ["openai-responses", "/v1/responses", { stream: true }],
  ["anthropic", "/v1/messages", { stream: true }],
  ["gemini", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {}],
  ["gemini", "/v1beta/models/gemini-2.0-flash:streamGenerateContent", {}],
  ["openrouter", "/api/v1/chat/completions", { stream: true, stream_options: { include_usage: true } }],
  ["ollama", "/api/chat", {}],
];

describe("classify reads back what each codec writes", () => {
  it.each(ROUTES)("%s %s", async (provider, path, body) => {
    await fake.reset();
    const response = await rawRequest(fake.url, { path, body });
    const entry = fake.journal()[0]!;
    const events = splitBody(framingOf(response.headers["content-type"], response.body), response.body);
    const read = events.map((event) => providers[provider].classify(event));
    expect(read.map((c) => c.kind)).toEqual(entry.events.map((e) => e.kind));
    expect(read.map((c) => c.text ?? "").join("")).toBe(entry.events.map((e) => e.text ?? "").join(""));
    expect(read.filter((c) => c.terminator).length).toBeLessThanOrEqual(1);
  });

  it("openai and anthropic stream the tool calls and the thinking in their own shapes", async () => {
    await fake.reset();
    const openai = (await rawRequest(fake.url, { path: ROUTES[0]![1], body: ROUTES[0]![2] })).body.toString();
    expect(openai).toContain('"delta":{"tool_calls":[{"index":0,"id":"call_');
    expect(openai).toContain('"function":{"name":"get_weather","arguments":""}}]}');
    expect(openai).toContain('"delta":{"tool_calls":[{"index":1,"function":{"arguments":"Europe"}}]}');
    expect(openai).toContain('"finish_reason":"tool_calls"');
    const anthropic = (
      await rawRequest(fake.url, { path: "/v1/messages", body: { stream: true } })
    ).body.toString();
    expect(anthropic).toMatch(/"content_block":\{"type":"thinking","thinking":"","signature":""\}/);
    expect(anthropic).toContain('"delta":{"type":"thinking_delta","thinking":"The"}');
    expect(anthropic).toContain('"index":1,"delta":{"type":"text_delta","text":"Checking"}');
    expect(anthropic).toMatch(
      /"index":2,"content_block":\{"type":"tool_use","id":"toolu_01\w{22}","name":"get_weather","input":\{\}\}/,
    );
    expect(anthropic).toContain('"index":3,"delta":{"type":"input_json_delta","partial_json":""}');
    expect(anthropic).toContain('"stop_reason":"tool_use"');
  });
});
