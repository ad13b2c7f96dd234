import { describe, expect, it } from "vitest";
import type { EventSample } from "../types.ts";
import { recognizeProvider } from "./recognize.ts";

const json = (data: string, event?: string): EventSample => ({
  data,
  json: JSON.parse(data),
  ...(event === undefined ? {} : { event }),
});
const openaiChunk = json('{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[]}');
const openrouterChunk = json(
  '{"id":"gen-1","provider":"OpenAI","object":"chat.completion.chunk","choices":[]}',
);
const ollamaLine = json(
  '{"model":"gemma2:2b","created_at":"2024-08-07T03:57:33Z","message":{},"done":false}',
);

describe("recognizeProvider", () => {
  it("takes the route the fake serves when the request is known", () => {
    expect(recognizeProvider({ method: "POST", path: "/v1/messages" })).toEqual({
      provider: "anthropic",
      by: "route",
    });
    expect(
      recognizeProvider({
        method: "POST",
        path: "/v1beta/models/gemini-2.0-flash:streamGenerateContent",
        query: "alt=sse",
      }),
    ).toEqual({ provider: "gemini", by: "route" });
    expect(recognizeProvider({ method: "POST", path: "/api/chat", events: [ollamaLine] })).toEqual({
      provider: "ollama",
      by: "route",
    });
  });

  it("believes the events over a route whose provider would never send them (a backend's own /api/chat)", () => {
    expect(
      recognizeProvider({ method: "POST", path: "/api/chat", events: [openaiChunk, openaiChunk] }),
    ).toEqual({
      provider: "openai",
      by: "events",
    });
  });

  it("tells each provider by its events alone, OpenRouter's chunks apart from OpenAI's", () => {
    const cases: Array<[EventSample[], string]> = [
      [[openaiChunk], "openai"],
      [[openrouterChunk], "openrouter"],
      [[{ data: "OPENROUTER PROCESSING", comment: true }], "openrouter"],
      [[json('{"type":"response.created","sequence_number":0}', "response.created")], "openai-responses"],
      [[json('{"type":"message_start","message":{}}', "message_start")], "anthropic"],
      [[json('{"candidates": [{"content": {"parts": [{"text": "Paris"}]}}]}')], "gemini"],
      [[ollamaLine], "ollama"],
    ];
    for (const [events, provider] of cases)
      expect(recognizeProvider({ events }).provider, provider).toBe(provider);
  });

  it("falls back to provider-only headers, then gives up", () => {
    expect(recognizeProvider({ headers: [["Anthropic-Version", "2023-06-01"]] })).toEqual({
      provider: "anthropic",
      by: "headers",
    });
    expect(recognizeProvider({ headers: [["x-generation-id", "gen-1"]] }).provider).toBe("openrouter");
    expect(recognizeProvider({ headers: [["x-goog-api-key", "[redacted]"]] }).provider).toBe("gemini");
    expect(
      recognizeProvider({ method: "POST", path: "/chat", headers: [["content-type", "text/event-stream"]] }),
    ).toEqual({ provider: undefined, by: undefined });
  });
});
