import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type StartedFakeProvider, startFakeProvider } from "../index.ts";
import type { JournalEntry } from "../journal-types.ts";
import { rawRequest } from "../testing/raw-http.ts";

/** Each fault step on the wire, read with a raw socket: a FIN, a RST and a clean end told apart. */
let fake: StartedFakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await fake.reset();
});

const TOKENS = { content: { tokens: ["Hi", " there", " friend"] } };
const openai = (body: Record<string, unknown> = {}, options = {}) =>
  rawRequest(fake.url, {
    path: "/v1/chat/completions",
    body: { model: "gpt-4o", stream: true, ...body },
    ...options,
  });
const script = (faults: unknown[], extra = {}) => fake.setScript({ ...TOKENS, ...extra, faults });
const lastEntry = async (
  event: "response-ended" | "client-closed" = "response-ended",
): Promise<JournalEntry> => {
  const [entry] = await fake.waitFor({ event }, 5000);
  return entry!;
};

describe("pre-stream", () => {
  it("refuse-connection closes the provider port (ECONNREFUSED) and reopens it on the same port", async () => {
    const port = fake.port;
    await script([{ fault: "refuse-connection" }]);
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", resolve);
      socket.on("connect", () => resolve(Object.assign(new Error("connected"), { code: "CONNECTED" })));
    });
    expect(error.code).toBe("ECONNREFUSED");
    // The admin port stays up.
    const health = await fetch(`${fake.adminUrl}/__streamchaos/health`);
    expect(health.status).toBe(200);
    await fake.setScript(TOKENS);
    expect(fake.port).toBe(port);
    const r = await openai();
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
  });

  it("reset-before-headers sends a RST and no byte; close-before-headers a FIN and no byte", async () => {
    await script([{ fault: "reset-before-headers" }]);
    const reset = await openai();
    expect(reset.close).toBe("rst");
    expect(reset.raw.length).toBe(0);
    await script([{ fault: "close-before-headers" }]);
    const closed = await openai();
    expect(closed.close).toBe("fin");
    expect(closed.raw.length).toBe(0);
    const entries = fake.journal();
    expect(entries.map((e) => e.faults[0]?.fault)).toEqual(["reset-before-headers", "close-before-headers"]);
    expect(entries.every((e) => e.status === undefined && e.outcome === "fault")).toBe(true);
  });

  it("hang-before-headers with ms answers after the delay; without ms it never answers", async () => {
    await script([{ fault: "hang-before-headers", ms: 150 }]);
    const late = await openai();
    expect(late.status).toBe(200);
    const entry = fake.journal()[0]!;
    expect(entry.t.headersSent! - entry.t.received).toBeGreaterThanOrEqual(140);

    await fake.reset();
    await script([{ fault: "hang-before-headers" }]);
    const never = await openai({}, { abortAfterMs: 150 });
    expect(never.raw.length).toBe(0);
    const closed = await lastEntry("client-closed");
    expect(closed.clientClose).toMatchObject({ how: "fin", duringResponse: true });
    expect(closed.status).toBeUndefined();
  });

  it("reject-param answers each style's status and body only when the request carries the key", async () => {
    const cases = [
      [
        "groq",
        400,
        `{"error":{"message":"property 'stream_options' is unsupported, did you mean 'stream'?","type":"invalid_request_error"}}\n`,
      ],
      [
        "mistral",
        422,
        '{"object":"error","message":{"detail":[{"type":"extra_forbidden","loc":["body","stream_options"],"msg":"Extra inputs are not permitted","input":{"include_usage":true}}]},"type":"invalid_request_error","param":null,"code":null}',
      ],
      ["bedrock", 500, '{"message":"extraneous key [include_usage] is not permitted"}'],
    ] as const;
    for (const [style, status, body] of cases) {
      await script([{ fault: "reject-param", style }]);
      const r = await openai({ stream_options: { include_usage: true } });
      expect(r.status).toBe(status);
      expect(r.body.toString()).toBe(body);
    }
    await script([{ fault: "reject-param", style: "one-api" }]);
    const oneApi = await openai({ stream_options: { include_usage: true } });
    expect(JSON.parse(oneApi.body.toString()).error).toMatchObject({
      type: "invalid_request_error",
      param: "stream_options",
      code: "unknown_parameter",
    });
    expect(JSON.parse(oneApi.body.toString()).error.message).toMatch(
      /^Unknown parameter: 'stream_options'\. \(request id: /,
    );
    const without = await openai();
    expect(without.status).toBe(200);
    expect(without.body.toString().endsWith("data: [DONE]\n\n")).toBe(true);
    // Only the requests that carried the key list the fault as fired.
    expect(fake.journal().map((e) => e.faults.length)).toEqual([1, 1, 1, 1, 0]);
  });

  it("reject-param can refuse any other body key", async () => {
    await script([{ fault: "reject-param", param: "parallel_tool_calls", style: "one-api" }]);
    expect((await openai({ parallel_tool_calls: false })).status).toBe(400);
    expect((await openai({ stream_options: { include_usage: true } })).status).toBe(200);
  });
});

describe("mid-stream", () => {
  it("error-event: OpenAI's in-stream error then a clean end, no [DONE]", async () => {
    await script([{ fault: "error-event" }]);
    const r = await openai();
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);
    const body = r.body.toString();
    expect(
      body.endsWith(
        'data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error"}}\n\n',
      ),
    ).toBe(true);
    expect(body).not.toContain("[DONE]");
    expect(body).toContain('"content":" friend"');
    expect(body).not.toContain('"finish_reason":"stop"');
  });

  it("error-event in every provider's own shape", async () => {
    await script([{ fault: "error-event" }]);
    const anthropic = await rawRequest(fake.url, { path: "/v1/messages", body: { stream: true } });
    expect(
      anthropic.body
        .toString()
        .endsWith(
          'event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n',
        ),
    ).toBe(true);
    expect(anthropic.body.toString()).not.toContain("message_stop");

    const gemini = await rawRequest(fake.url, {
      path: "/v1beta/models/g:streamGenerateContent?alt=sse",
      body: {},
    });
    expect(
      gemini.body
        .toString()
        .endsWith(
          'data: {"error": {"code": 503,"message": "The model is overloaded. Please try again later.","status": "UNAVAILABLE"}}\r\n\r\n',
        ),
    ).toBe(true);

    const ollama = await rawRequest(fake.url, { path: "/api/chat", body: {} });
    expect(ollama.body.toString().endsWith('{"error":"the model failed to generate a response"}\n')).toBe(
      true,
    );

    await script([{ fault: "error-event", code: 502, message: "Network connection lost.", shape: "flat" }]);
    const openrouter = await rawRequest(fake.url, {
      path: "/api/v1/chat/completions",
      body: { stream: true },
    });
    const last = openrouter.body.toString().trimEnd().split("\n\n").at(-1)!;
    const chunk = JSON.parse(last.slice(6));
    expect(chunk.error).toEqual({
      code: 502,
      message: "Network connection lost.",
      metadata: { error_type: "provider_unavailable" },
    });
    expect(chunk.choices[0].finish_reason).toBe("error");
  });

  it("error-event for openai-responses: nested (real), flat (fixture) and response.failed", async () => {
    const lastEvent = async (shape: string) => {
      await script([{ fault: "error-event", shape }]);
      const r = await rawRequest(fake.url, { path: "/v1/responses", body: { stream: true } });
      const events = r.body.toString().trimEnd().split("\n\n");
      const [eventLine, dataLine] = events.at(-1)!.split("\n");
      return { eventLine, data: JSON.parse(dataLine!.slice(6)), count: events.length };
    };
    const nested = await lastEvent("nested");
    expect(nested.eventLine).toBe("event: error");
    expect(Object.keys(nested.data)).toEqual(["type", "sequence_number", "error"]);
    expect(nested.data.sequence_number).toBe(nested.count - 1);
    const flat = await lastEvent("flat");
    expect(Object.keys(flat.data)).toEqual(["type", "code", "message", "param", "sequence_number"]);
    const failed = await lastEvent("failed");
    expect(failed.eventLine).toBe("event: response.failed");
    expect(failed.data.response).toMatchObject({ status: "failed", error: { code: "server_error" } });
  });

  it("fin ends the raw socket mid-body: no terminating chunk, a FIN", async () => {
    await script([{ fault: "fin" }]);
    const r = await openai();
    expect(r.complete).toBe(false);
    expect(r.close).toBe("fin");
    expect(r.body.toString()).toContain('"content":" friend"');
    expect(r.raw.toString().endsWith("0\r\n\r\n")).toBe(false);
  });

  it("rst resets mid-body after the bytes already written", async () => {
    await script([{ fault: "rst" }]);
    const r = await openai();
    expect(r.close).toBe("rst");
    expect(r.complete).toBe(false);
    expect(fake.journal()[0]!.faults).toMatchObject([{ fault: "rst", at: "mid-stream" }]);
  });

  it("rst with no settle still sends every byte written before it: the socket's held writes go first", async () => {
    // Unpaced, the events before the step are still corked in the socket when it fires: a reset
    // that did not wait for them would drop them. (Without the settle, the RST lands before the
    // client read them, and Linux reports that as an end of stream, not a reset: close is not
    // asserted here.)
    for (const at of [{ event: 1 }, { event: 3 }, { byte: 200 }]) {
      await fake.reset();
      await script([{ fault: "rst", at, settleMs: 0 }]);
      const r = await openai();
      expect(r.complete).toBe(false);
      expect(fake.journal()[0]!.faults).toMatchObject([{ fault: "rst" }]);
      const written = fake.journal()[0]!.events.reduce((sum, e) => sum + e.bytes, 0);
      expect(written).toBeGreaterThan(0);
      expect(r.body.length).toBe(written);
    }
  });

  it("a byte placement cuts the body after exactly that many bytes", async () => {
    await script([{ fault: "fin", at: { byte: 1000 } }], { content: { chunks: 50, chunkSize: 100 } });
    const r = await openai();
    expect(r.close).toBe("fin");
    expect(r.body.length).toBe(1000);
    expect(fake.journal()[0]!.faults[0]!.at).toBe("byte:1000");
  });

  it("large bodies come before the fault (90 KB of content then RST)", async () => {
    await script([{ fault: "rst" }], { content: { chunks: 90, chunkSize: 1000 } });
    const r = await openai({}, { timeoutMs: 10_000 });
    expect(r.close).toBe("rst");
    expect(r.body.length).toBeGreaterThan(90_000);
  });

  it("malformed-json writes one broken event and goes on to [DONE]", async () => {
    await script([{ fault: "malformed-json", at: { event: 2 } }]);
    const r = await openai();
    const events = r.body.toString().split("\n\n").filter(Boolean);
    const broken = events.filter((e) => {
      if (e === "data: [DONE]") return false;
      try {
        JSON.parse(e.slice(6));
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toHaveLength(1);
    expect(events.indexOf(broken[0]!)).toBe(2);
    expect(events.at(-1)).toBe("data: [DONE]");
  });

  it("split-utf8 splits a multibyte character across two chunks", async () => {
    await fake.setScript({
      content: { tokens: ["Hi", " café"] },
      faults: [{ fault: "split-utf8", at: { event: 1 } }],
    });
    const r = await openai();
    expect(r.complete).toBe(true);
    const cut = r.chunks.findIndex((c) => c.at(-1)! >= 0xc0);
    expect(cut).toBeGreaterThan(0);
    expect(r.chunks[cut + 1]![0]! & 0xc0).toBe(0x80);
    expect(r.body.toString()).toContain('"content":" café"');
  });

  it("split-utf8 inserts a multibyte token when the next one is ASCII", async () => {
    await script([{ fault: "split-utf8", char: "€" }]);
    const r = await openai();
    expect(r.chunks.some((c) => c.at(-1) === 0xe2)).toBe(true);
    expect(fake.journal()[0]!.events.some((e) => e.text === "€")).toBe(true);
  });

  it("split-utf8 inserts into its own stream only: streams of one script share their plan", async () => {
    // OpenAI's text plans are one frozen array for every stream of a script; a step that inserts
    // an event must do so on a copy, or throw (frozen), or reach the streams beside it.
    await script([{ fault: "split-utf8", char: "€", at: { token: 1 } }], {
      pacing: { firstTokenMs: 20, intervalMs: 20 },
    });
    const [a, b] = await Promise.all([openai(), openai()]);
    for (const r of [a, b]) {
      expect(r.complete).toBe(true);
      expect(r.body.toString().match(/"content":"\u20ac"|"content":"€"/g)).toHaveLength(1);
    }
    await script([]);
    const plain = await openai();
    expect(plain.body.toString()).not.toContain("€");
    // The split's second write carries no text of its own.
    const contents = fake
      .journal()
      .map((e) => e.events.filter((x) => x.kind === "content" && x.text !== undefined).map((x) => x.text));
    expect(contents).toEqual([
      ["Hi", "€", " there", " friend"],
      ["Hi", "€", " there", " friend"],
      ["Hi", " there", " friend"],
    ]);
  });

  it("tiny-writes sends one event in many small chunks", async () => {
    await script([{ fault: "tiny-writes", size: 3, at: { event: 1 } }]);
    const r = await openai();
    expect(r.complete).toBe(true);
    const small = r.chunks.filter((c) => c.length <= 3);
    expect(small.length).toBeGreaterThan(50);
    expect(r.body.toString().endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("stall is silent, or sends the provider's own keepalive", async () => {
    await script([{ fault: "stall", ms: 300, keepaliveEveryMs: 100 }]);
    const or = await rawRequest(fake.url, { path: "/api/v1/chat/completions", body: { stream: true } });
    // The opening comment plus at least one during the stall (timers may run late on a busy machine).
    expect(or.body.toString().match(/: OPENROUTER PROCESSING\n\n/g)!.length).toBeGreaterThanOrEqual(2);
    const anthropic = await rawRequest(fake.url, { path: "/v1/messages", body: { stream: true } });
    expect(
      anthropic.body.toString().match(/event: ping\ndata: \{"type": "ping"\}\n\n/g)!.length,
    ).toBeGreaterThanOrEqual(2);
    const oa = await openai();
    expect(oa.body.toString()).toContain(": keepalive\n\n");

    await script([{ fault: "stall", ms: 200 }]);
    const silent = await openai();
    const gap = silent.reads.slice(1).map((r, i) => r.t - silent.reads[i]!.t);
    expect(Math.max(...gap)).toBeGreaterThanOrEqual(180);
    expect(silent.body.toString()).not.toContain("keepalive");
  });
});

describe("cleanup", () => {
  it("omit-terminator: the whole answer, no [DONE], then a clean chunked end", async () => {
    await script([{ fault: "omit-terminator" }]);
    const r = await openai();
    expect(r.complete).toBe(true);
    expect(r.body.toString()).toContain('"finish_reason":"stop"');
    expect(r.body.toString()).not.toContain("[DONE]");
    const anthropic = await rawRequest(fake.url, { path: "/v1/messages", body: { stream: true } });
    expect(anthropic.body.toString()).toContain("message_delta");
    expect(anthropic.body.toString()).not.toContain("message_stop");
  });

  it("fin and rst after-finish: the finish went out, the terminator did not", async () => {
    for (const fault of ["fin", "rst"]) {
      await script([{ fault, at: { phase: "after-finish" } }]);
      const r = await openai({ stream_options: { include_usage: true } });
      expect(r.close).toBe(fault);
      expect(r.body.toString()).toContain('"finish_reason":"stop"');
      expect(r.body.toString()).not.toContain("[DONE]");
    }
  });

  it("fin after-terminator: [DONE] arrived but the chunked body never ended", async () => {
    await script([{ fault: "fin", at: { phase: "after-terminator" } }]);
    const r = await openai();
    expect(r.body.toString().endsWith("data: [DONE]\n\n")).toBe(true);
    expect(r.complete).toBe(false);
    expect(r.close).toBe("fin");
  });

  it("usage-error replaces the usage chunk with an error; omit-usage drops it", async () => {
    await script([{ fault: "usage-error" }]);
    const failing = (await openai({ stream_options: { include_usage: true } })).body.toString();
    expect(failing).toContain('"finish_reason":"stop"');
    expect(failing).toContain('data: {"error": {"message": "Failed to compute usage"');
    expect(failing).not.toContain('"prompt_tokens"');
    expect(failing.endsWith("data: [DONE]\n\n")).toBe(true);

    await script([{ fault: "omit-usage" }]);
    const missing = (await openai({ stream_options: { include_usage: true } })).body.toString();
    expect(missing).not.toContain("usage");
    expect(missing.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("unterminated-final-event drops the final blank line (CRLF for Gemini, the newline for NDJSON)", async () => {
    await script([{ fault: "unterminated-final-event" }]);
    const r = await openai();
    expect(r.complete).toBe(true);
    expect(r.body.toString().endsWith("\n\ndata: [DONE]\n")).toBe(true);
    const gemini = await rawRequest(fake.url, {
      path: "/v1beta/models/g:streamGenerateContent?alt=sse",
      body: {},
    });
    expect(gemini.body.toString().endsWith("}\r\n")).toBe(true);
    expect(gemini.body.toString().endsWith("\r\n\r\n")).toBe(false);
    const ollama = await rawRequest(fake.url, { path: "/api/chat", body: {} });
    expect(ollama.body.toString().endsWith("}")).toBe(true);
  });

  it("hold-open keeps the response open after [DONE], then ends it after ms", async () => {
    await script([{ fault: "hold-open" }]);
    const held = await openai({}, { timeoutMs: 1000 });
    expect(held.close).toBe("timeout");
    expect(held.body.toString().endsWith("data: [DONE]\n\n")).toBe(true);
    expect(held.complete).toBe(false);
    await lastEntry("client-closed");

    await script([{ fault: "hold-open", ms: 150 }]);
    const timed = await openai();
    expect(timed.complete).toBe(true);
    const doneAt = timed.reads.find((r) => r.bytes.includes("[DONE]"))!.t;
    expect(timed.reads.at(-1)!.t - doneAt).toBeGreaterThanOrEqual(130);
  });
});

describe("pacing", () => {
  it("spaces content events by intervalMs after firstTokenMs and journals their due times", async () => {
    await fake.setScript({ ...TOKENS, pacing: { headersDelayMs: 50, firstTokenMs: 100, intervalMs: 40 } });
    await openai();
    const entry = await lastEntry();
    expect(entry.t.headersSent! - entry.t.received).toBeGreaterThanOrEqual(45);
    const content = entry.events.filter((e) => e.kind === "content");
    expect(content[0]!.t - entry.t.headersSent!).toBeGreaterThanOrEqual(95);
    // The schedule counts from the request's arrival (its body read: a moment after `received`)
    // plus headersDelayMs, on the first whole millisecond at or after it, not from when the fake
    // got round to sending the headers.
    const first = content[0]!.due!;
    expect(first).toBe(Math.ceil(first));
    expect(first - entry.t.received).toBeGreaterThanOrEqual(150);
    expect(first - entry.t.received).toBeLessThan(150 + 20);
    for (const [i, e] of content.entries()) {
      expect(e.due! - first).toBe(i * 40);
      expect(e.t).toBeGreaterThanOrEqual(e.due!);
    }
  });

  it("repeats the same jitter for the same seed", async () => {
    const dues = async (seed: number) => {
      await fake.reset();
      await fake.setScript({ ...TOKENS, pacing: { intervalMs: 5, jitterMs: 20, seed } });
      await openai();
      const entry = await lastEntry();
      const dues = entry.events.filter((e) => e.due !== undefined).map((e) => e.due!);
      return dues.map((due) => due - dues[0]!);
    };
    const a = await dues(7);
    expect(await dues(7)).toEqual(a);
    expect(await dues(8)).not.toEqual(a);
  });
});

describe("client disconnects never crash the server", () => {
  const phases: Array<[string, unknown[], Record<string, unknown>]> = [
    ["during headersDelay", [], { pacing: { headersDelayMs: 5000 } }],
    ["pre-stream hang", [{ fault: "hang-before-headers" }], {}],
    ["mid-stream stall", [{ fault: "stall", ms: 5000 }], {}],
    ["between paced events", [], { pacing: { intervalMs: 200 } }],
    ["after the terminator", [{ fault: "hold-open" }], {}],
  ];
  for (const [name, faults, extra] of phases) {
    for (const rst of [false, true]) {
      it(`${name} (${rst ? "RST" : "FIN"})`, async () => {
        await script(faults, extra);
        await openai({}, { abortAfterMs: 120, abortWithRst: rst });
        const entry = await lastEntry("client-closed");
        expect(entry.clientClose).toMatchObject({ how: rst ? "rst" : "fin", duringResponse: true });
        expect(entry.outcome).toBe("client-closed");
        await fake.setScript(TOKENS);
        const next = await openai();
        expect(next.complete).toBe(true);
      });
    }
  }

  it("while the fake waits for a slow reader to drain a large body", async () => {
    await fake.setScript({ content: { chunks: 20_000, chunkSize: 200 } });
    await openai({}, { abortAfterBodyBytes: 20_000, abortWithRst: true, timeoutMs: 10_000 });
    const entry = await lastEntry("client-closed");
    expect(entry.clientClose).toMatchObject({ how: "rst", duringResponse: true });
    // It stopped writing when the client left: far fewer events than planned.
    await fake.waitFor({ event: "response-ended" }, 5000);
    expect(fake.journal()[0]!.events.length).toBeLessThan(20_000);
    await fake.setScript(TOKENS);
    expect((await openai()).complete).toBe(true);
  });

  it("before sending its request body", async () => {
    const socket = connect(fake.port, "127.0.0.1");
    await new Promise((resolve) => socket.on("connect", resolve));
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"stream"');
    socket.resetAndDestroy();
    await fake.setScript(TOKENS);
    expect((await openai()).complete).toBe(true);
    expect(fake.journal()).toHaveLength(1);
  });

  it("a client that leaves after a complete response is journaled as closing after it", async () => {
    await fake.setScript(TOKENS);
    const r = await openai();
    expect(r.complete).toBe(true); // the raw client closes its socket after a complete body
    const entry = await lastEntry("client-closed");
    expect(entry.clientClose?.duringResponse).toBe(false);
  });
});
