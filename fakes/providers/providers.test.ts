import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type StartedFakeProvider, startFakeProvider } from "../index.ts";
import { seededRandom } from "../pacing.ts";
import { openaiTestStream } from "../testing/openai-stream.ts";
import { rawRequest } from "../testing/raw-http.ts";
import { openai } from "./openai.ts";

/**
 * Golden tests: the bytes each provider route puts on the wire, read with a raw socket and held
 * against wire-formats.md. Ids and timestamps vary per request, so structure is compared exactly
 * and the variable parts by pattern.
 */
let fake: StartedFakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await fake.reset();
  await fake.setScript({
    content: { tokens: ["Hi", " there", " é"] },
    usage: { promptTokens: 10, completionTokens: 5 },
  });
});

const post = (path: string, body: unknown) => rawRequest(fake.url, { path, body });
const sseData = (body: string, sep = "\n\n") =>
  body
    .split(sep)
    .filter((e) => e !== "")
    .map((e) => e.split(/\r?\n/));

describe("openai chat completions (A1)", () => {
  it("streams LF-framed chunks in the captured key order, with usage only when asked, and [DONE]", async () => {
    const r = await post("/v1/chat/completions", {
      model: "gpt-3.5-turbo-0125",
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    expect(r.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(r.headers["x-request-id"]).toMatch(/^req_[0-9a-f]{32}$/);
    expect(r.headers["openai-version"]).toBe("2020-10-01");
    expect(r.headers["x-ratelimit-reset-requests"]).toBe("6ms");
    const body = r.body.toString("utf8");
    expect(body).not.toContain("\r");
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    const events = sseData(body);
    const chunks = events.slice(0, -1).map(([line]) => JSON.parse(line!.slice("data: ".length)));
    for (const chunk of chunks) {
      expect(Object.keys(chunk)).toEqual([
        "id",
        "object",
        "created",
        "model",
        "service_tier",
        "system_fingerprint",
        "choices",
        "usage",
        "obfuscation",
      ]);
      expect(chunk.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
      expect(chunk.object).toBe("chat.completion.chunk");
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.slice(1, 4).map((c) => c.choices[0].delta.content)).toEqual(["Hi", " there", " é"]);
    expect(chunks[4].choices[0]).toEqual({ index: 0, delta: {}, logprobs: null, finish_reason: "stop" });
    expect(chunks.slice(0, 5).every((c) => c.usage === null)).toBe(true);
    expect(chunks[5].choices).toEqual([]);
    expect(chunks[5].usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 });
    // Exact bytes of one content chunk, from the capture's shape.
    const c = chunks[1];
    expect(events[1]![0]).toBe(
      `data: {"id":"${c.id}","object":"chat.completion.chunk","created":${c.created},"model":"gpt-3.5-turbo-0125","service_tier":"default","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":null,"finish_reason":null}],"usage":null,"obfuscation":"${c.obfuscation}"}`,
    );
  });

  it("has no usage key at all without include_usage, and no obfuscation when turned off", async () => {
    const r = await post("/v1/chat/completions", {
      stream: true,
      stream_options: { include_obfuscation: false },
    });
    const chunks = sseData(r.body.toString())
      .slice(0, -1)
      .map(([l]) => JSON.parse(l!.slice(6)));
    expect(chunks).toHaveLength(5);
    for (const chunk of chunks) {
      expect(chunk).not.toHaveProperty("usage");
      expect(chunk).not.toHaveProperty("obfuscation");
    }
  });

  it("renders a content chunk from its fixed parts as the canonical JSON of the chunk", () => {
    const tricky = [
      "Hi",
      "",
      ' "quoted" \\ back',
      "line\nbreak\t",
      "é 中文 🙂",
      "\u0000\u001f",
      "\ud800 lone",
      "</script>",
    ];
    for (const streamOptions of [
      {},
      { include_usage: true },
      { include_obfuscation: false },
      { include_usage: true, include_obfuscation: false },
    ]) {
      const stream = openaiTestStream('gpt-4o "quoted"', streamOptions, tricky, seededRandom(7));
      for (const text of tricky) {
        const rendered = stream.renderToken(text, false);
        expect(rendered.startsWith("data: ") && rendered.endsWith("}\n\n")).toBe(true);
        const chunk = JSON.parse(rendered.slice(6, -2));
        // Re-serializing the parsed chunk gives back the same bytes: key order, escapes, spacing.
        expect(rendered).toBe(`data: ${JSON.stringify(chunk)}\n\n`);
        expect(chunk).toMatchObject({
          object: "chat.completion.chunk",
          model: 'gpt-4o "quoted"',
          choices: [{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }],
        });
        const keys = ["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices"];
        if ("include_usage" in streamOptions) keys.push("usage");
        if (!("include_obfuscation" in streamOptions)) keys.push("obfuscation");
        expect(Object.keys(chunk)).toEqual(keys);
      }
    }
  });

  it("plans a text answer once per script and usage setting, frozen, for every stream of it", () => {
    const tokens = ["Hi", " there"];
    const plain = openaiTestStream("gpt-4o", {}, tokens, seededRandom(1)).plan();
    expect(openaiTestStream("gpt-4o-mini", {}, tokens, seededRandom(2)).plan()).toBe(plain);
    expect(Object.isFrozen(plain)).toBe(true);
    expect(plain.map((e) => e.kind)).toEqual(["role", "content", "content", "finish", "terminator"]);
    const withUsage = openaiTestStream("gpt-4o", { include_usage: true }, tokens, seededRandom(1)).plan();
    expect(withUsage).not.toBe(plain);
    expect(withUsage.map((e) => e.kind)).toEqual([
      "role",
      "content",
      "content",
      "finish",
      "usage",
      "terminator",
    ]);
    // Another script's tokens, even equal ones, have a plan of their own.
    expect(openaiTestStream("gpt-4o", {}, [...tokens], seededRandom(1)).plan()).not.toBe(plain);
    // Tool calls render from the stream's own calls: each stream plans its own.
    const withCalls = () =>
      openai
        .open({
          provider: "openai",
          model: "gpt-4o",
          request: { stream: true },
          variant: "",
          tokens,
          toolCalls: [{ name: "lookup", arguments: '{"q": "x"}' }],
          finishReason: "tool_calls",
          usage: { promptTokens: 1, completionTokens: 1 },
          omitUsage: false,
          rng: seededRandom(1),
        })
        .plan();
    const calls = withCalls();
    expect(calls).not.toBe(withCalls());
    expect(Object.isFrozen(calls)).toBe(false);
    expect(calls.some((e) => e.kind === "tool-call")).toBe(true);
  });

  it("renders the role and finish chunks from fixed parts as the canonical JSON of each chunk", () => {
    for (const streamOptions of [
      {},
      { include_usage: true },
      { include_obfuscation: false },
      { include_usage: true, include_obfuscation: false },
    ]) {
      for (const finishReason of ["stop", "length", "content_filter"] as const) {
        let draws = 0;
        const rng = seededRandom(3);
        const counted = () => {
          draws++;
          return rng();
        };
        const stream = openaiTestStream('gpt-4o "q" é', streamOptions, ["Hi"], counted, finishReason);
        const plan = stream.plan();
        const role = plan.find((e) => e.kind === "role")!;
        const finish = plan.find((e) => e.kind === "finish")!;
        const obfuscated = !("include_obfuscation" in streamOptions);
        for (const [event, choice] of [
          [
            role,
            {
              index: 0,
              delta: { role: "assistant", content: "", refusal: null },
              logprobs: null,
              finish_reason: null,
            },
          ],
          [finish, { index: 0, delta: {}, logprobs: null, finish_reason: finishReason }],
        ] as const) {
          draws = 0;
          const rendered = event.render(stream) as string;
          expect(rendered.startsWith("data: ") && rendered.endsWith("}\n\n")).toBe(true);
          const chunk = JSON.parse(rendered.slice(6, -2));
          // Re-serializing the parsed chunk gives back the same bytes: key order, escapes, spacing.
          expect(rendered).toBe(`data: ${JSON.stringify(chunk)}\n\n`);
          expect(chunk.choices).toEqual([choice]);
          expect(chunk.model).toBe('gpt-4o "q" é');
          const keys = ["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices"];
          if ("include_usage" in streamOptions) keys.push("usage");
          if (obfuscated) keys.push("obfuscation");
          expect(Object.keys(chunk)).toEqual(keys);
          if ("include_usage" in streamOptions) expect(chunk.usage).toBeNull();
          // One obfuscation string drawn as for a content chunk (its length, then each letter); none without.
          if (obfuscated) expect(chunk.obfuscation).toMatch(/^[A-Za-z0-9]{1,16}$/);
          expect(draws).toBe(obfuscated ? 1 + chunk.obfuscation.length : 0);
        }
      }
    }
  });

  it("writes a content chunk straight into bytes as renderToken renders it, for the same draws", () => {
    const texts = ["Hi", "", ' "quoted" \\ back', "é 中文 🙂", "\ud800 lone", "x".repeat(5000)];
    // Every tail: usage key or not, obfuscation or not.
    const allOptions = [
      {},
      { include_usage: true },
      { include_obfuscation: false },
      { include_usage: true, include_obfuscation: false },
    ];
    for (const streamOptions of allOptions) {
      // An rng that can replay what it drew, so both paths see the same numbers.
      const base = seededRandom(11);
      let drawn: number[] = [];
      let replay: number[] | undefined;
      const rng = () => {
        if (replay) return replay.shift()!;
        const value = base();
        drawn.push(value);
        return value;
      };
      const stream = openaiTestStream("gpt-4o-ü", streamOptions, texts, rng);
      const target = Buffer.alloc(64 * 1024, 0xff);
      for (const text of texts) {
        drawn = [];
        replay = undefined;
        const rendered = Buffer.from(stream.renderToken(text, false), "utf8");
        replay = [...drawn];
        const length = stream.writeToken!(target, 7, target.length, text, false);
        expect(target.subarray(7, 7 + length)).toEqual(rendered);
        expect(replay).toEqual([]);
        // Short of room it writes and draws nothing.
        replay = undefined;
        drawn = [];
        target.fill(0xff);
        expect(stream.writeToken!(target, 7, 7 + rendered.length - 1, text, false)).toBe(-1);
        expect(drawn).toEqual([]);
        expect(target.every((b) => b === 0xff)).toBe(true);
      }
    }
  });

  it("writes the same bytes as renderToken for more distinct tokens than it keeps encoded", () => {
    const stream = openaiTestStream("gpt-4o", { include_obfuscation: false }, [], seededRandom(5));
    const target = Buffer.alloc(4096);
    for (let i = 0; i < 5000; i++) {
      // Past the kept ones (4,096) the JSON is made per write; the first ones come from the cache.
      for (const text of [`token ${i} é`, "again"]) {
        const length = stream.writeToken!(target, 0, target.length, text, false);
        expect(target.toString("utf8", 0, length)).toBe(stream.renderToken(text, false));
      }
    }
  });

  it("answers a non-streaming request with one chat.completion body", async () => {
    const r = await post("/v1/chat/completions", { model: "gpt-4o" });
    expect(r.headers["content-type"]).toBe("application/json");
    expect(Number(r.headers["content-length"])).toBe(r.body.length);
    const body = JSON.parse(r.body.toString());
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0].message.content).toBe("Hi there é");
    expect(body.usage.total_tokens).toBe(15);
  });

  it("pretty-prints pre-stream errors with 4 spaces and a trailing newline, with retry headers", async () => {
    await fake.setScript({
      faults: [{ fault: "http-error", status: 429, retryAfter: 2, retryAfterMs: 1500, shouldRetry: false }],
    });
    const r = await post("/v1/chat/completions", { stream: true });
    expect(r.status).toBe(429);
    expect(r.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(r.headers["retry-after"]).toBe("2");
    expect(r.headers["retry-after-ms"]).toBe("1500");
    expect(r.headers["x-should-retry"]).toBe("false");
    const text = r.body.toString();
    expect(text.startsWith('{\n    "error": {\n        "message": "Rate limit reached')).toBe(true);
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text).error).toMatchObject({
      type: "tokens",
      param: null,
      code: "rate_limit_exceeded",
    });
  });
});

describe("openai responses (A2)", () => {
  it("names each event after data.type, numbers them in order, and ends with response.completed", async () => {
    const r = await post("/v1/responses", { model: "gpt-4o", stream: true });
    expect(r.complete).toBe(true);
    const events = sseData(r.body.toString());
    const types = events.map(([eventLine, dataLine]) => {
      const data = JSON.parse(dataLine!.slice(6));
      expect(eventLine).toBe(`event: ${data.type}`);
      return data;
    });
    expect(types.map((d) => d.sequence_number)).toEqual(types.map((_, i) => i));
    expect(types.map((d) => d.type)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.delta",
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(Object.keys(types[0]!)).toEqual(["type", "sequence_number", "response"]);
    expect(types.at(-1).response.usage).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
    expect(r.body.toString()).not.toContain("[DONE]");
  });
});

describe("anthropic messages (A3)", () => {
  it("pads the JSON with the captured trailing spaces and spaces the ping", async () => {
    const r = await post("/v1/messages", { model: "claude-sonnet-4-20250514", stream: true });
    expect(r.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(r.headers["request-id"]).toMatch(/^req_01[A-Za-z0-9]{22}$/);
    expect(r.headers["anthropic-ratelimit-input-tokens-reset"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const events = sseData(r.body.toString());
    expect(events.map(([e]) => e)).toEqual([
      "event: message_start",
      "event: content_block_start",
      "event: ping",
      "event: content_block_delta",
      "event: content_block_delta",
      "event: content_block_delta",
      "event: content_block_stop",
      "event: message_delta",
      "event: message_stop",
    ]);
    const data = events.map(([, d]) => d!);
    expect(data[0]).toMatch(
      /^data: \{"type":"message_start","message":\{"id":"msg_01[A-Za-z0-9]{22}","type":"message"/,
    );
    expect(data[0]!.endsWith('"service_tier":"standard"}}       }')).toBe(true);
    expect(data[1]).toBe(
      'data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}     }',
    );
    expect(data[2]).toBe('data: {"type": "ping"}');
    expect(data[3]).toMatch(
      /^data: \{"type":"content_block_delta","index":0,"delta":\{"type":"text_delta","text":"Hi"\} +\}$/,
    );
    expect(data[6]).toBe('data: {"type":"content_block_stop","index":0             }');
    expect(data[7]).toBe(
      'data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null,"stop_details":null},"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":5}     }',
    );
    expect(data[8]).toBe('data: {"type":"message_stop"       }');
  });

  it("maps statuses to Anthropic error types (529 overloaded_error)", async () => {
    for (const [status, type] of [
      [400, "invalid_request_error"],
      [401, "authentication_error"],
      [403, "permission_error"],
      [404, "not_found_error"],
      [429, "rate_limit_error"],
      [500, "api_error"],
      [529, "overloaded_error"],
    ] as const) {
      await fake.setScript({ faults: [{ fault: "http-error", status }] });
      const r = await post("/v1/messages", { stream: true });
      expect(r.status).toBe(status);
      const body = JSON.parse(r.body.toString());
      expect(Object.keys(body)).toEqual(["type", "error", "request_id"]);
      expect(body.error.type).toBe(type);
    }
  });
});

describe("gemini (A4)", () => {
  it("frames alt=sse events with CRLF CRLF, writes ': ' with no space after ',', finishReason last", async () => {
    const r = await post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {});
    expect(r.headers["content-type"]).toBe("text/event-stream");
    expect(r.headers["content-disposition"]).toBe("attachment");
    expect(r.headerLines.filter((l) => l.startsWith("Vary:"))).toEqual([
      "Vary: Origin",
      "Vary: X-Origin",
      "Vary: Referer",
    ]);
    const body = r.body.toString();
    const events = body.split("\r\n\r\n");
    expect(events.pop()).toBe("");
    expect(events).toHaveLength(3);
    expect(events[0]).toMatch(
      /^data: \{"candidates": \[\{"content": \{"parts": \[\{"text": "Hi"\}\],"role": "model"\}\}\],"usageMetadata": \{"promptTokenCount": 10,"totalTokenCount": 10,"promptTokensDetails": \[\{"modality": "TEXT","tokenCount": 10\}\]\},"modelVersion": "gemini-2.0-flash","responseId": "[A-Za-z0-9]{23}"\}$/,
    );
    const parsed = events.map((e) => JSON.parse(e.slice(6)));
    expect(parsed.map((p) => p.candidates[0].finishReason)).toEqual([undefined, undefined, "STOP"]);
    expect(parsed[2].usageMetadata.candidatesTokenCount).toBe(5);
  });

  it("streams one JSON array without alt=sse, and answers :generateContent with one object", async () => {
    const array = await post("/v1beta/models/gemini-2.0-flash:streamGenerateContent", {});
    const items = JSON.parse(array.body.toString());
    expect(
      items.map(
        (i: { candidates: Array<{ content: { parts: Array<{ text: string }> } }> }) =>
          i.candidates[0]!.content.parts[0]!.text,
      ),
    ).toEqual(["Hi", " there", " é"]);
    const unary = await post("/v1beta/models/gemini-2.0-flash:generateContent", {});
    expect(JSON.parse(unary.body.toString()).candidates[0].content.parts[0].text).toBe("Hi there é");
  });

  it("pretty-prints errors with 2 spaces and the RPC status", async () => {
    await fake.setScript({ faults: [{ fault: "http-error", status: 503 }] });
    const r = await post("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse", {});
    expect(r.status).toBe(503);
    expect(r.body.toString()).toBe(
      '{\n  "error": {\n    "code": 503,\n    "message": "The model is overloaded. Please try again later.",\n    "status": "UNAVAILABLE"\n  }\n}\n',
    );
  });
});

describe("openrouter (A5)", () => {
  it("starts with the PROCESSING comment and ends with [DONE]", async () => {
    const r = await post("/api/v1/chat/completions", { model: "openai/gpt-4o", stream: true });
    expect(r.headers["x-generation-id"]).toMatch(/^gen-\d+-[A-Za-z0-9]{20}$/);
    const body = r.body.toString();
    expect(body.startsWith(": OPENROUTER PROCESSING\n\ndata: {")).toBe(true);
    expect(body.endsWith("data: [DONE]\n\n")).toBe(true);
    const chunks = sseData(body)
      .slice(1, -1)
      .map(([l]) => JSON.parse(l!.slice(6)));
    expect(chunks.at(-1).choices[0].finish_reason).toBe("stop");
  });

  it("sends pre-stream errors as {error:{code:<int>,message}} with no type or param", async () => {
    await fake.setScript({ faults: [{ fault: "http-error", status: 402 }] });
    const r = await post("/api/v1/chat/completions", { stream: true });
    expect(r.status).toBe(402);
    expect(JSON.parse(r.body.toString())).toEqual({
      error: { code: 402, message: "Insufficient credits. Add more using https://openrouter.ai/credits" },
    });
  });
});

describe("ollama (A6)", () => {
  it("streams NDJSON by default and ends with the done line with nanosecond durations", async () => {
    const r = await post("/api/chat", { model: "gemma2:2b" });
    expect(r.headers["content-type"]).toBe("application/x-ndjson");
    const lines = r.body.toString().split("\n");
    expect(lines.pop()).toBe("");
    const objects = lines.map((l) => JSON.parse(l));
    expect(Object.keys(objects[0])).toEqual(["model", "created_at", "message", "done"]);
    expect(objects[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const done = objects.at(-1);
    expect(Object.keys(done)).toEqual([
      "model",
      "created_at",
      "message",
      "done_reason",
      "done",
      "total_duration",
      "load_duration",
      "prompt_eval_count",
      "prompt_eval_duration",
      "eval_count",
      "eval_duration",
    ]);
    expect(done.done).toBe(true);
  });

  it("answers stream:false with one JSON object, and errors as {error}", async () => {
    const r = await post("/api/chat", { model: "gemma2:2b", stream: false });
    expect(JSON.parse(r.body.toString()).message.content).toBe("Hi there é");
    await fake.setScript({ faults: [{ fault: "http-error", status: 500 }] });
    const e = await post("/api/chat", {});
    expect(e.status).toBe(500);
    expect(e.body.toString()).toBe('{"error":"the model failed to generate a response"}');
  });
});

it("answers an unknown route with 404 and journals nothing", async () => {
  const r = await post("/v2/nothing", {});
  expect(r.status).toBe(404);
  expect(fake.journal()).toHaveLength(0);
});
