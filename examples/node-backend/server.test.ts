import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BackendProcess } from "../test-support/backend.ts";
import { rawRequest, sseEvents } from "../test-support/raw-client.ts";
import {
  anthropic,
  gemini,
  openai,
  ScriptedUpstream,
  sleep,
  sseHead,
  taggedTokenStream,
  write,
} from "../test-support/upstream.ts";

const TIMEOUT_MS = 1500;
const KEEPALIVE_MS = 250;
const chat = { model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] };

/** The hardened backend (BUGS empty): every H-item of the brief, at the byte level. */
describe("node backend, hardened, openai upstream", () => {
  let upstream: ScriptedUpstream;
  let backend: BackendProcess;
  let logMark = 0;

  beforeAll(async () => {
    upstream = await ScriptedUpstream.start();
    backend = await BackendProcess.node({
      PROVIDER: "openai",
      PROVIDER_BASE_URL: `${upstream.origin}/v1`,
      PROVIDER_API_KEY: "sk-test",
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      KEEPALIVE_MS: String(KEEPALIVE_MS),
    });
  });
  afterAll(async () => {
    await backend?.[Symbol.asyncDispose]();
    await upstream?.[Symbol.asyncDispose]();
  });
  beforeEach(() => {
    logMark = backend.logs.length;
  });
  const logs = () => backend.since(logMark).join("\n");

  it("answers /health", async () => {
    const res = await rawRequest(backend.port, { method: "GET", path: "/health" });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ ok: true });
  });

  it("relays a clean stream token by token, with anti-buffering headers, [DONE] and the terminator", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      for (const token of ["Hel", "lo", " world"]) {
        await write(res, openai.token(token));
        await sleep(150);
      }
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.headers["x-accel-buffering"]).toBe("no");
    expect(res.end).toBe("complete");
    const events = sseEvents(res.body);
    const tokens = events
      .filter((e) => e.data !== "[DONE]")
      .map((e) => JSON.parse(e.data).choices[0].delta.content)
      .filter(Boolean);
    expect(tokens).toEqual(["Hel", "lo", " world"]);
    expect(JSON.parse(events.at(-2)!.data).choices[0].finish_reason).toBe("stop");
    expect(JSON.parse(events.at(-2)!.data).object).toBe("chat.completion.chunk");
    expect(events.at(-1)!.data).toBe("[DONE]");
    // Flushed per event: the first token reached the client well before the last one.
    const first = res.chunks.find((c) => c.text.includes("Hel"))!;
    const last = res.chunks.find((c) => c.text.includes(" world"))!;
    expect(last.t - first.t).toBeGreaterThan(200);
    // H8: stream_options is off by default.
    expect(upstream.calls[0]!.json.stream_options).toBeUndefined();
    expect(upstream.calls[0]!.url).toBe("/v1/chat/completions");
    expect(upstream.calls[0]!.headers.authorization).toBe("Bearer sk-test");
    // H9: no usage chunk, so the usage is estimated after the answer.
    await backend.waitForLog(/usage .*source=estimate/);
  });

  it("renders the /chat status/delta/done contract", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("a"));
      await write(res, openai.token("b"));
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
    expect(res.status).toBe(200);
    expect(res.end).toBe("complete");
    expect(sseEvents(res.body).map((e) => JSON.parse(e.data))).toEqual([
      { type: "status", status: "thinking" },
      { type: "delta", content: "a" },
      { type: "delta", content: "b" },
      { type: "done" },
    ]);
    expect(upstream.calls[0]!.json.messages).toEqual([{ role: "user", content: "hi" }]);
  });

  it("renders the /v1/messages Anthropic contract", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("x"));
      await write(res, openai.finish("length"));
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, {
      path: "/v1/messages",
      body: { model: "claude", max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] },
    });
    expect(res.status).toBe(200);
    expect(res.end).toBe("complete");
    const events = sseEvents(res.body);
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(JSON.parse(events[2]!.data).delta).toEqual({ type: "text_delta", text: "x" });
    expect(JSON.parse(events[4]!.data).delta.stop_reason).toBe("max_tokens");
    expect(upstream.calls[0]!.json.max_tokens).toBe(50);
  });

  describe("H1: failures before the first token are HTTP errors with a JSON body", () => {
    it("maps an upstream 401 to 502 and logs it", async () => {
      upstream.reset((res) => {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(
          '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}',
        );
      });
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(502);
      expect(res.headers["content-type"]).toBe("application/json");
      const body = JSON.parse(res.body);
      expect(body.error.type).toBe("upstream_error");
      expect(body.error.code).toBe("upstream_http_401");
      expect(body.error.message).toContain("Incorrect API key provided");
      await backend.waitForLog(/ERROR upstream failed before the first token.*status=401/);
    });

    it("passes 429 through with its retry-after", async () => {
      upstream.reset((res) => {
        res.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
        res.end('{"error":{"message":"Rate limit reached","type":"tokens","code":"rate_limit_exceeded"}}');
      });
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(429);
      expect(res.headers["retry-after"]).toBe("7");
      expect(JSON.parse(res.body).error.message).toContain("Rate limit reached");
    });

    it("maps a 5xx and a stream_options rejection (400) to 502", async () => {
      upstream.reset((res) => {
        res.writeHead(503, { "content-type": "application/json" }).end('{"error":{"message":"overloaded"}}');
      });
      expect((await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat })).status).toBe(502);
      upstream.reset((res) => {
        res.writeHead(400, { "content-type": "application/json" });
        res.end(`{"error":{"message":"property 'stream_options' is unsupported, did you mean 'stream'?"}}`);
      });
      const res = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).error.message).toContain("stream_options");
    });

    it("maps a connection closed before the response headers to 502", async () => {
      upstream.reset((res) => {
        res.socket?.destroy();
      });
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).error.code).toBe("upstream_unreachable");
    });

    it("maps a reset after the headers but before any token to 502", async () => {
      upstream.reset(async (res) => {
        sseHead(res);
        await sleep(50);
        res.socket?.resetAndDestroy();
      });
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(502);
      expect(res.headers["content-type"]).toBe("application/json");
    });

    it("maps an in-band error event before any token to 502", async () => {
      upstream.reset((res) => {
        sseHead(res);
        res.end(openai.error("boom"));
      });
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(502);
      expect(JSON.parse(res.body).error.message).toContain("boom");
    });

    it("H11: gives up on a silent upstream with 504 after UPSTREAM_TIMEOUT_MS and hangs up on it", async () => {
      upstream.reset(async () => {
        await sleep(TIMEOUT_MS * 4);
      });
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(504);
      expect(JSON.parse(res.body).error.code).toBe("upstream_timeout");
      const elapsed = res.endedAt - res.startedAt;
      expect(elapsed).toBeGreaterThan(TIMEOUT_MS - 100);
      expect(elapsed).toBeLessThan(TIMEOUT_MS * 2.5);
      await upstream.calls[0]!.settled;
      expect(upstream.calls[0]!.closedEarlyAt).toBeDefined();
    });
  });

  describe("H2: failures after the first token end with the marker and a clean terminator", () => {
    const midStream = (fault: (res: import("node:http").ServerResponse) => Promise<void> | void) =>
      upstream.reset(async (res) => {
        sseHead(res);
        await write(res, openai.token("partial"));
        await sleep(100);
        await fault(res);
      });

    const expectMarker = async (path = "/v1/chat/completions") => {
      const res = await rawRequest(backend.port, { path, body: path === "/chat" ? { message: "hi" } : chat });
      expect(res.status).toBe(200);
      expect(res.end).toBe("complete");
      expect(res.body).toContain("partial");
      expect(res.body).not.toContain("[DONE]");
      const last = sseEvents(res.body).at(-1)!;
      return { res, last: JSON.parse(last.data) };
    };

    it("in-band error event", async () => {
      midStream((res) => {
        res.end(openai.error("The server had an error"));
      });
      const { last } = await expectMarker();
      expect(last.error.type).toBe("upstream_error");
      expect(last.error.message).toContain("The server had an error");
      await backend.waitForLog(/ERROR upstream failed mid-stream/);
    });

    it("FIN in the middle of the body", async () => {
      midStream((res) => {
        res.socket?.destroy();
      });
      const { last } = await expectMarker();
      expect(last.error.message).toBeTruthy();
    });

    it("RST in the middle of the body, on the /chat contract", async () => {
      midStream((res) => {
        res.socket?.resetAndDestroy();
      });
      const { last } = await expectMarker("/chat");
      expect(last.type).toBe("done");
      expect(last.error).toBeTruthy();
    });

    it("a malformed JSON event, and the backend survives", async () => {
      midStream((res) => {
        res.end('data: {"choices":[{"delta":{"content":"x"}\n\n');
      });
      const { last } = await expectMarker();
      expect(last.error.message).toContain("malformed");
      expect((await rawRequest(backend.port, { method: "GET", path: "/health" })).status).toBe(200);
    });

    it("an end without a finish reason (truncation)", async () => {
      midStream((res) => {
        res.end();
      });
      const { last } = await expectMarker();
      expect(last.error.message).toContain("without a finish reason");
    });

    it("H11: silence after the first token longer than UPSTREAM_TIMEOUT_MS", async () => {
      midStream(() => sleep(TIMEOUT_MS * 4));
      const { res, last } = await expectMarker();
      expect(last.error.message).toContain(`${TIMEOUT_MS}ms`);
      expect(res.endedAt - res.startedAt).toBeLessThan(TIMEOUT_MS * 3);
      await upstream.calls[0]!.settled;
      expect(upstream.calls[0]!.closedEarlyAt).toBeDefined();
      // H5: keepalives flowed during the silence.
      expect(res.body).toContain(": keepalive\n\n");
    });
  });

  describe("H3: after the finish reason the answer is complete", () => {
    const afterFinish = (fault: (res: import("node:http").ServerResponse) => Promise<void> | void) =>
      upstream.reset(async (res) => {
        sseHead(res);
        await write(res, openai.token("whole answer"));
        await write(res, openai.finish());
        await sleep(50);
        await fault(res);
      });
    const expectDone = async () => {
      const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
      expect(res.status).toBe(200);
      expect(res.end).toBe("complete");
      expect(res.body).toContain("whole answer");
      expect(res.body).not.toContain('"error"');
      expect(sseEvents(res.body).at(-1)!.data).toBe("[DONE]");
    };

    it("FIN after finish without [DONE]: done, logged as WARN", async () => {
      afterFinish((res) => {
        res.socket?.destroy();
      });
      await expectDone();
      await backend.waitForLog(/WARN upstream problem after the finish reason/);
      expect(logs()).not.toMatch(/ERROR/);
    });

    it("RST after finish", async () => {
      afterFinish((res) => {
        res.socket?.resetAndDestroy();
      });
      await expectDone();
    });

    it("clean end without [DONE]", async () => {
      afterFinish((res) => {
        res.end();
      });
      await expectDone();
      await backend.waitForLog(/WARN .*without its terminator/);
    });

    it("a malformed usage chunk after finish", async () => {
      afterFinish((res) => {
        res.end('data: {"usage": {\n\ndata: [DONE]\n\n');
      });
      await expectDone();
    });

    it("an unterminated last event ([DONE] without its blank line)", async () => {
      afterFinish((res) => {
        res.end("data: [DONE]");
      });
      await expectDone();
    });

    it("H9: a usage chunk is used for accounting", async () => {
      afterFinish(async (res) => {
        await write(res, openai.usage(11, 3));
        res.end(openai.done);
      });
      await expectDone();
      await backend.waitForLog(/usage .*input=11 output=3 source=upstream/);
    });
  });

  it("H5: writes keepalives while the upstream is silent between tokens", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("a"));
      await sleep(KEEPALIVE_MS * 4);
      await write(res, openai.token("b"));
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.end).toBe("complete");
    const between = res.body.slice(res.body.indexOf('"a"'), res.body.indexOf('"b"'));
    expect(between.split(": keepalive\n\n").length - 1).toBeGreaterThanOrEqual(2);
  });

  it("H5: a provider that accepted the request but is slow to its first token gets the 200 and keepalives early", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token(""));
      await sleep(KEEPALIVE_MS * 5);
      await write(res, openai.token("slow"));
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
    expect(res.status).toBe(200);
    expect(res.end).toBe("complete");
    const firstRead = res.chunks[0]!;
    const token = res.chunks.find((c) => c.text.includes("slow"))!;
    expect(token.t - firstRead.t).toBeGreaterThan(KEEPALIVE_MS * 2);
    const beforeToken = res.body.slice(0, res.body.indexOf("slow"));
    expect(beforeToken).toContain('{"type":"status","status":"thinking"}');
    expect(beforeToken.split(": keepalive\n\n").length - 1).toBeGreaterThanOrEqual(2);
  });

  it("H6: cancels the upstream when the client hangs up", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      for (let i = 0; i < 50; i++) {
        await write(res, openai.token(`t${i} `));
        await sleep(100);
      }
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, {
      path: "/v1/chat/completions",
      body: chat,
      disconnectWhen: (body) => body.includes("t1 "),
    });
    expect(res.end).toBe("client-closed");
    const closedAt = await Promise.race([upstream.calls[0]!.closedEarly, sleep(2000).then(() => undefined)]);
    expect(closedAt).toBeDefined();
    expect(closedAt! - res.endedAt).toBeLessThan(1000);
    await backend.waitForLog(/client disconnected, upstream cancelled/);
  });

  it("H6: a client that leaves before the first token stops the provider call at once", async () => {
    upstream.reset(async (res) => {
      await sleep(2500);
      sseHead(res);
      res.end(openai.token("late") + openai.finish() + openai.done);
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat, timeoutMs: 300 });
    expect(res.end).toBe("timeout");
    const closedAt = await Promise.race([upstream.calls[0]!.closedEarly, sleep(2000).then(() => undefined)]);
    expect(closedAt).toBeDefined();
    expect(closedAt! - res.endedAt).toBeLessThan(1000);
  });

  it("H3: a provider holding the connection open after [DONE] does not hold the client", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("done "));
      await write(res, openai.finish() + openai.done);
      await sleep(TIMEOUT_MS * 3);
      res.end();
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.end).toBe("complete");
    expect(sseEvents(res.body).at(-1)!.data).toBe("[DONE]");
    expect(res.endedAt - res.startedAt).toBeLessThan(TIMEOUT_MS / 2);
  });

  it("H7: a second request on a session supersedes the first; no token crosses over", async () => {
    upstream.reset(taggedTokenStream(100));
    const request = (tag: string) =>
      rawRequest(backend.port, {
        path: "/v1/chat/completions",
        body: { ...chat, session_id: "s1", messages: [{ role: "user", content: tag }] },
      });
    const first = request("A");
    await upstream.waitForCalls(1);
    await sleep(250);
    const second = request("B");
    const [a, b] = await Promise.all([first, second]);
    expect(a.end).toBe("complete");
    const lastOfA = JSON.parse(sseEvents(a.body).at(-1)!.data);
    expect(lastOfA.error.message).toBe("superseded");
    expect(b.end).toBe("complete");
    expect(b.body).not.toContain("A");
    expect(b.body).toContain("B7");
    expect(sseEvents(b.body).at(-1)!.data).toBe("[DONE]");
    expect(upstream.calls[0]!.closedEarlyAt).toBeDefined();
  });

  it("answers 400 to a body that is not a chat request, and 404 to an unknown path", async () => {
    const bad = await rawRequest(backend.port, { path: "/v1/chat/completions", body: { messages: "no" } });
    expect(bad.status).toBe(400);
    expect((await rawRequest(backend.port, { path: "/nope", body: {} })).status).toBe(404);
  });
});

describe("node backend, other providers and framings", () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await ScriptedUpstream.start();
  });
  afterAll(async () => {
    await upstream?.[Symbol.asyncDispose]();
  });

  it("anthropic upstream: padded JSON, pings, message_stop; an error event mid-stream becomes the marker", async () => {
    await using backend = await BackendProcess.node({
      PROVIDER: "anthropic",
      PROVIDER_BASE_URL: upstream.origin,
      PROVIDER_API_KEY: "sk-ant",
      MODEL: "claude-haiku",
    });
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, anthropic.start + anthropic.ping);
      await write(res, anthropic.token("Hey"));
      await write(res, anthropic.token(" there"));
      await write(res, anthropic.finish);
      res.end(anthropic.stop);
    });
    const ok = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
    expect(ok.end).toBe("complete");
    expect(sseEvents(ok.body).map((e) => JSON.parse(e.data).content ?? JSON.parse(e.data).type)).toEqual([
      "status",
      "Hey",
      " there",
      "done",
    ]);
    const call = upstream.calls[0]!;
    expect(call.url).toBe("/v1/messages");
    expect(call.headers["x-api-key"]).toBe("sk-ant");
    expect(call.json.model).toBe("claude-haiku");
    expect(call.json.stream).toBe(true);

    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, anthropic.start + anthropic.token("Hey"));
      await sleep(50);
      res.end(anthropic.error);
    });
    const failed = await rawRequest(backend.port, {
      path: "/v1/messages",
      body: { messages: [{ role: "user", content: "hi" }], stream: true },
    });
    expect(failed.end).toBe("complete");
    const events = sseEvents(failed.body);
    expect(events.at(-1)!.event).toBe("error");
    expect(JSON.parse(events.at(-1)!.data).error).toEqual({
      type: "api_error",
      message: "upstream error event: Overloaded",
    });
    expect(events.some((e) => e.event === "message_stop")).toBe(false);
  });

  it("gemini upstream: CRLF framing and events split across reads; EOF after finishReason is the normal end", async () => {
    await using backend = await BackendProcess.node({
      PROVIDER: "gemini",
      PROVIDER_BASE_URL: upstream.origin,
      PROVIDER_API_KEY: "g-key",
      MODEL: "gemini-2.0-flash",
    });
    upstream.reset(async (res) => {
      sseHead(res, { "content-type": "text/event-stream" });
      const first = gemini.token("Par");
      await write(res, first.slice(0, 30));
      await sleep(60);
      await write(res, first.slice(30, first.length - 3));
      await sleep(60);
      await write(res, first.slice(first.length - 3));
      await write(res, gemini.finish("is"));
      res.end();
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.end).toBe("complete");
    const tokens = sseEvents(res.body)
      .filter((e) => e.data !== "[DONE]")
      .map((e) => JSON.parse(e.data).choices[0].delta.content)
      .filter(Boolean);
    expect(tokens).toEqual(["Par", "is"]);
    expect(sseEvents(res.body).at(-1)!.data).toBe("[DONE]");
    expect(upstream.calls[0]!.url).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(upstream.calls[0]!.headers["x-goog-api-key"]).toBe("g-key");
    expect(backend.logs.join("\n")).not.toMatch(/WARN|ERROR/);
  });

  it("gemini upstream: a final finishReason event without its blank line still completes the answer", async () => {
    await using backend = await BackendProcess.node({
      PROVIDER: "gemini",
      PROVIDER_BASE_URL: upstream.origin,
      MODEL: "gemini-2.0-flash",
    });
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, gemini.token("Par"));
      res.end(gemini.finish("is").replace(/\r\n\r\n$/, ""));
    });
    const res = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
    expect(res.end).toBe("complete");
    expect(sseEvents(res.body).map((e) => JSON.parse(e.data).content ?? JSON.parse(e.data).type)).toEqual([
      "status",
      "Par",
      "is",
      "done",
    ]);
  });

  it("openrouter upstream: processing comments keep a slow first token alive; STREAM_OPTIONS=on asks for usage", async () => {
    await using backend = await BackendProcess.node({
      PROVIDER: "openrouter",
      PROVIDER_BASE_URL: `${upstream.origin}/api/v1`,
      UPSTREAM_TIMEOUT_MS: "600",
      STREAM_OPTIONS: "on",
    });
    upstream.reset(async (res) => {
      sseHead(res);
      for (let i = 0; i < 4; i++) {
        await write(res, ": OPENROUTER PROCESSING\n\n");
        await sleep(300);
      }
      await write(res, openai.token("late"));
      await write(res, openai.finish());
      await write(res, openai.usage(4, 1));
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(200);
    expect(res.body).toContain("late");
    expect(upstream.calls[0]!.url).toBe("/api/v1/chat/completions");
    expect(upstream.calls[0]!.json.stream_options).toEqual({ include_usage: true });
    await backend.waitForLog(/usage .*source=upstream/);
  });

  it("connection refused is a 502", async () => {
    await using backend = await BackendProcess.node({ PROVIDER_BASE_URL: "http://127.0.0.1:1/v1" });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).error.code).toBe("upstream_unreachable");
    await backend.waitForLog(/ERROR .*ECONNREFUSED/);
  });

  it("refuses an unknown bug switch, a missing PORT and an unknown provider with exit 2", async () => {
    const unknownBug = await BackendProcess.nodeExpectingExit({
      PROVIDER_BASE_URL: "http://x/v1",
      BUGS: "nope",
    });
    expect(unknownBug.code).toBe(2);
    expect(unknownBug.logs.join("\n")).toMatch(
      /unknown bug "nope".*headers-before-first-chunk.*crash-on-malformed/,
    );
    const noPort = await BackendProcess.nodeExpectingExit({ PORT: "", PROVIDER_BASE_URL: "http://x/v1" });
    expect(noPort.code).toBe(2);
    expect(noPort.logs.join("\n")).toMatch(/PORT is required/);
    const badProvider = await BackendProcess.nodeExpectingExit({
      PROVIDER: "ollama",
      PROVIDER_BASE_URL: "http://x",
    });
    expect(badProvider.code).toBe(2);
  });
});
