import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedFakeProvider, startFakeProvider } from "../../index.ts";
import { recognizeProvider } from "../../providers/recognize.ts";
import { rawRequest } from "../../testing/raw-http.ts";
import type { FramedEvent } from "./framed-event.ts";
import { framingOf, sniffFraming, splitBody } from "./framing.ts";
import { splitJsonArray } from "./json-array.ts";
import { splitNdjson } from "./ndjson.ts";
import { splitSse } from "./sse.ts";

const b = (text: string) => Buffer.from(text, "utf8");
const cut = (body: Buffer, events: FramedEvent[]) =>
  events.map((e) => body.toString("utf8", e.offset, e.offset + e.length));

/** The events of a body tile it: no byte is in no event or in two. */
function expectTiled(body: Buffer, events: FramedEvent[]) {
  let offset = 0;
  for (const event of events) {
    expect(event.offset).toBe(offset);
    offset += event.length;
  }
  expect(offset).toBe(body.length);
}

describe("splitSse (WHATWG framing, byte offsets)", () => {
  it("cuts LF, CRLF and CR events, names them, and tiles the body", () => {
    const body = b(
      'data: {"object":"chat.completion.chunk"}\n\nevent: message_start\r\ndata: {"type":"message_start"}   \r\n\r\ndata: [DONE]\r\r',
    );
    const events = splitSse(body);
    expectTiled(body, events);
    expect(events.map((e) => [e.type, e.data, e.complete])).toEqual([
      ["message", '{"object":"chat.completion.chunk"}', true],
      ["message_start", '{"type":"message_start"}   ', true],
      ["[DONE]", "[DONE]", true],
    ]);
    expect(events[1]!.event).toBe("message_start");
    expect(events[1]!.json).toEqual({ type: "message_start" });
  });

  it("keeps a comment-only block as its own event; joins data lines; reads the JSON type", () => {
    const body = b(': OPENROUTER PROCESSING\n\ndata: {"type":\ndata: "response.created"}\nid: 7\n\n');
    const events = splitSse(body);
    expect(events.map((e) => [e.type, e.data, e.comment ?? false])).toEqual([
      ["comment", "OPENROUTER PROCESSING", true],
      ["response.created", '{"type":\n"response.created"}', false],
    ]);
  });

  it("gives stray blank lines to the event before them, leading ones to the first", () => {
    const body = b("\n\ndata: a\n\n\n\ndata: b\n\n");
    const events = splitSse(body);
    expectTiled(body, events);
    expect(cut(body, events)).toEqual(["\n\ndata: a\n\n\n\n", "data: b\n\n"]);
  });

  it("returns a final event with no blank line as incomplete (a browser drops it)", () => {
    const body = b('data: {"a":1}\n\ndata: [DONE]\n');
    const events = splitSse(body);
    expectTiled(body, events);
    expect(events.map((e) => [e.type, e.complete])).toEqual([
      ["message", true],
      ["[DONE]", false],
    ]);
    expect(splitSse(b('data: {"a"')).map((e) => [e.data, e.complete])).toEqual([['{"a"', false]]);
  });

  it("names error events by their JSON (OpenAI's in-stream error has no event: line)", () => {
    expect(splitSse(b('data: {"error": {"message": "x"}}\n\n'))[0]!.type).toBe("error");
  });
});

describe("splitNdjson", () => {
  it("one event per line, blank lines to the line before, a last line without newline incomplete", () => {
    const body = b('{"done":false,"message":{"content":"é"}}\r\n\n{"done":true}\n{"error":"boom"}\n{"do');
    const events = splitNdjson(body);
    expectTiled(body, events);
    expect(events.map((e) => [e.type, e.complete])).toEqual([
      ["line", true],
      ["done", true],
      ["error", true],
      ["text", false],
    ]);
    expect(events[0]!.data).toBe('{"done":false,"message":{"content":"é"}}');
  });
});

describe("splitJsonArray (Gemini without alt=sse)", () => {
  it("one event per element with its leading separator, then the closing bracket", () => {
    const body = b('[{"candidates": [{"text": "a]\\"b"}]},\r\n{"error": {"code": 503}}]');
    const events = splitJsonArray(body);
    expectTiled(body, events);
    expect(cut(body, events)).toEqual([
      '[{"candidates": [{"text": "a]\\"b"}]}',
      ',\r\n{"error": {"code": 503}}',
      "]",
    ]);
    expect(events.map((e) => e.type)).toEqual(["element", "error", "end"]);
  });

  it("marks a body cut inside an element or after a separator", () => {
    expect(splitJsonArray(b('[{"a": 1},\r\n{"b": ')).map((e) => [e.type, e.complete])).toEqual([
      ["element", true],
      ["element", false],
    ]);
    expect(splitJsonArray(b('[{"a": 1},')).map((e) => [e.type, e.complete])).toEqual([
      ["element", true],
      ["separator", false],
    ]);
    expect(splitJsonArray(b("[]")).map((e) => e.type)).toEqual(["end"]);
  });
});

describe("framingOf", () => {
  it("trusts the content type for SSE and NDJSON, reads the bytes otherwise", () => {
    expect(framingOf("text/event-stream; charset=utf-8", b("{}"))).toBe("sse");
    expect(framingOf("application/x-ndjson", b("data: x"))).toBe("ndjson");
    expect(framingOf("application/json; charset=UTF-8", b('[{"a": 1}'))).toBe("json-array");
    expect(framingOf("application/json", b('{\n    "error": {}\n}\n'))).toBe("whole");
    expect(sniffFraming(b("\uFEFF: keepalive\n\n"))).toBe("sse");
    expect(sniffFraming(b('{"a":1}\n{"b":2}\n'))).toBe("ndjson");
    expect(sniffFraming(b("<html>"))).toBe("whole");
    expect(splitBody("sse", b("<html>")).map((e) => e.type)).toEqual(["ignored"]);
    expect(splitBody("json-array", b("<html>")).map((e) => e.type)).toEqual(["body"]);
  });
});

describe("every provider's stream, as the fake sends it", () => {
  let fake: StartedFakeProvider;
  beforeAll(async () => {
    fake = await startFakeProvider({
      script: { content: { tokens: ["Hi", " é"] }, pacing: { intervalMs: 5 } },
    });
  });
  afterAll(() => fake[Symbol.asyncDispose]());

  const routes: Array<[string, string, unknown]> = [
    ["openai", "/v1/chat/completions", { stream: true, stream_options: { include_usage: true } }],
    ["openai-responses", "/v1/responses", { stream: true }],
    ["anthropic", "/v1/messages", { stream: true }],
    ["gemini", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {}],
    ["gemini", "/v1beta/models/gemini-2.0-flash:streamGenerateContent", {}],
    ["openrouter", "/api/v1/chat/completions", { stream: true }],
    ["ollama", "/api/chat", {}],
  ];
  for (const [provider, path, body] of routes) {
    it(`${provider} ${path}: one event per write the fake planned, recognised from the events alone`, async () => {
      const r = await rawRequest(fake.url, { path, body });
      const events = splitBody(framingOf(r.headers["content-type"], r.body), r.body);
      expectTiled(r.body, events);
      expect(events.every((e) => e.complete)).toBe(true);
      expect(events.map((e) => e.length)).toEqual(r.chunks.map((c) => c.length));
      expect(recognizeProvider({ events }).provider).toBe(provider);
    });
  }
});
