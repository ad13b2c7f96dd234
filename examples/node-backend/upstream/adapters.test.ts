import { describe, expect, it } from "vitest";
import { anthropicAdapter } from "./anthropic.ts";
import { geminiAdapter } from "./gemini.ts";
import { openAiAdapter } from "./openai.ts";
import * as sse from "./sse.ts";
import { MalformedEventError } from "./types.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const openai = openAiAdapter("openai");
const request = {
  model: "m",
  messages: [
    { role: "system" as const, content: "be brief" },
    { role: "user" as const, content: "hi" },
  ],
  maxTokens: 10,
  includeUsage: false,
};

describe("openai adapter (wire-formats A1, A5)", () => {
  it("reads tokens, the finish reason, the usage chunk and [DONE]", () => {
    const chunk = (choice: object, extra: object = {}) =>
      openai.parseEvent({ event: undefined, data: JSON.stringify({ choices: [choice], ...extra }) });
    expect(chunk({ delta: { role: "assistant", content: "" }, finish_reason: null })).toEqual([]);
    expect(chunk({ delta: { content: "Hi" }, finish_reason: null }, { usage: null })).toEqual([
      { type: "token", text: "Hi" },
    ]);
    expect(chunk({ delta: {}, finish_reason: "length" })).toEqual([{ type: "finish", reason: "length" }]);
    const usage = openai.parseEvent({
      event: undefined,
      data: '{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}',
    });
    expect(usage).toEqual([{ type: "usage", inputTokens: 10, outputTokens: 5 }]);
    expect(openai.parseEvent({ event: undefined, data: "[DONE]" })).toEqual([{ type: "terminator" }]);
  });

  it("treats OpenAI, OpenRouter (finish_reason error) and vLLM error shapes as errors, never as a finish", () => {
    expect(
      openai.parseEvent({ event: undefined, data: '{"error": {"message": "boom", "type": "server_error"}}' }),
    ).toEqual([{ type: "error", message: "boom" }]);
    const openRouter =
      '{"id":"x","error":{"code":502,"message":"Network connection lost."},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}';
    expect(openai.parseEvent({ event: undefined, data: openRouter })).toEqual([
      { type: "error", message: "Network connection lost." },
    ]);
    expect(
      openai.parseEvent({ event: undefined, data: '{"object":"error","message":"vllm says no"}' }),
    ).toEqual([{ type: "error", message: "vllm says no" }]);
  });

  it("throws MalformedEventError on data that is not JSON", () => {
    expect(() => openai.parseEvent({ event: undefined, data: '{"choices":[' })).toThrow(MalformedEventError);
  });

  it("sends stream_options only when asked", () => {
    expect(JSON.parse(openai.buildCall("http://u/v1", "k", request).body).stream_options).toBeUndefined();
    const call = openai.buildCall("http://u/v1", "k", { ...request, includeUsage: true });
    expect(call.url).toBe("http://u/v1/chat/completions");
    expect(JSON.parse(call.body).stream_options).toEqual({ include_usage: true });
  });
});

describe("anthropic adapter (wire-formats A3)", () => {
  it("reads padded JSON, ignores pings, maps stop reasons and ends at message_stop", () => {
    const parse = (event: string, data: string) => anthropicAdapter.parseEvent({ event, data });
    expect(parse("ping", '{"type": "ping"}')).toEqual([]);
    expect(
      parse(
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hey"} }',
      ),
    ).toEqual([{ type: "token", text: "Hey" }]);
    expect(
      parse(
        "message_delta",
        '{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":9}     }',
      ),
    ).toEqual([
      { type: "finish", reason: "length" },
      { type: "usage", inputTokens: 0, outputTokens: 9 },
    ]);
    expect(parse("message_stop", '{"type":"message_stop"       }')).toEqual([{ type: "terminator" }]);
    expect(
      parse("error", '{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}'),
    ).toEqual([{ type: "error", message: "Overloaded" }]);
  });

  it("puts system messages in `system` and the key in x-api-key", () => {
    const call = anthropicAdapter.buildCall("http://u", "sk", request);
    expect(call.url).toBe("http://u/v1/messages");
    expect(call.headers["x-api-key"]).toBe("sk");
    const body = JSON.parse(call.body);
    expect(body.system).toBe("be brief");
    expect(body.messages).toEqual([{ role: "user", content: "hi" }]);
  });
});

describe("gemini adapter (wire-formats A4)", () => {
  it("ends the answer with the finishReason chunk, usage first", () => {
    const data =
      '{"candidates": [{"content": {"parts": [{"text": "\\n"}],"role": "model"},"finishReason": "MAX_TOKENS"}],"usageMetadata": {"promptTokenCount": 10,"candidatesTokenCount": 2,"totalTokenCount": 12}}';
    expect(geminiAdapter.parseEvent({ event: undefined, data })).toEqual([
      { type: "token", text: "\n" },
      { type: "usage", inputTokens: 10, outputTokens: 2 },
      { type: "finish", reason: "length" },
      { type: "terminator" },
    ]);
    const error = '{"error": {"code": 503,"message": "The model is overloaded.","status": "UNAVAILABLE"}}';
    expect(geminiAdapter.parseEvent({ event: undefined, data: error })).toEqual([
      { type: "error", message: "The model is overloaded." },
    ]);
  });

  it("builds the streamGenerateContent URL with alt=sse", () => {
    const call = geminiAdapter.buildCall("http://u", "g", { ...request, model: "gemini-2.0-flash" });
    expect(call.url).toBe("http://u/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(JSON.parse(call.body).systemInstruction).toEqual({ parts: [{ text: "be brief" }] });
  });
});

describe("SSE readers", () => {
  it("spec: CRLF framing, a CR/LF pair split across reads, comments, split UTF-8, a final event without blank line", () => {
    const reader = sse.spec();
    expect(reader.feed(bytes(": OPENROUTER PROCESSING\r\n\r\ndata: a\r"))).toEqual([]);
    expect(reader.feed(bytes("\n\r\nevent: x\ndata: b\n\n"))).toEqual([
      { event: undefined, data: "a" },
      { event: "x", data: "b" },
    ]);
    const euro = bytes("data: €\n\n");
    expect(reader.feed(euro.subarray(0, 7))).toEqual([]);
    expect(reader.feed(euro.subarray(7))).toEqual([{ event: undefined, data: "€" }]);
    expect(reader.feed(bytes("data: last"))).toEqual([]);
    expect(reader.end()).toEqual([{ event: undefined, data: "last" }]);
  });

  it("naive (bug naive-sse-split): loses split events and everything CRLF-framed", () => {
    const reader = sse.naive();
    expect(reader.feed(bytes("data: a\n\ndata: b"))).toEqual([{ event: undefined, data: "a" }]);
    expect(reader.feed(bytes("c\n\n"))).toEqual([]);
    expect(reader.feed(bytes("data: crlf\r\n\r\n"))).toEqual([]);
    expect(reader.end()).toEqual([]);
  });
});
