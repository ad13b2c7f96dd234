import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BackendProcess } from "../test-support/backend.ts";
import { rawRequest, sseEvents } from "../test-support/raw-client.ts";
import {
  gemini,
  openai,
  ScriptedUpstream,
  sleep,
  sseHead,
  taggedTokenStream,
  write,
} from "../test-support/upstream.ts";

const TIMEOUT_MS = 1200;
const KEEPALIVE_MS = 200;
const chat = { model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] };

/**
 * Each bug switch puts back one incident's behaviour and nothing else: the hardened suite
 * (server.test.ts) shows the same upstream script passing without it.
 */
describe("node backend bug switches", () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await ScriptedUpstream.start();
  });
  afterAll(async () => {
    await upstream?.[Symbol.asyncDispose]();
  });
  const start = (bugs: string, env: Record<string, string> = {}) =>
    BackendProcess.node({
      PROVIDER_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      KEEPALIVE_MS: String(KEEPALIVE_MS),
      BUGS: bugs,
      ...env,
    });
  const unauthorized = (res: ServerResponse) => {
    res
      .writeHead(401, { "content-type": "application/json" })
      .end('{"error":{"message":"Incorrect API key provided"}}');
  };
  const clean = async (res: ServerResponse) => {
    sseHead(res);
    await write(res, openai.token("whole"));
    await write(res, openai.token(" answer"));
    await write(res, openai.finish());
    res.end(openai.done);
  };
  const finishThenFin = async (res: ServerResponse) => {
    sseHead(res);
    await write(res, openai.token("whole answer"));
    await write(res, openai.finish());
    await sleep(50);
    res.socket?.destroy();
  };

  it("headers-before-first-chunk: an upstream 401 becomes a 200 with the in-stream marker", async () => {
    await using backend = await start("headers-before-first-chunk");
    upstream.reset(unauthorized);
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(200);
    expect(res.end).toBe("complete");
    expect(JSON.parse(sseEvents(res.body).at(-1)!.data).error.message).toContain("Incorrect API key");
  });

  it("headers-before-first-chunk: keepalives flow while waiting for the first token", async () => {
    await using backend = await start("headers-before-first-chunk");
    upstream.reset(async (res) => {
      await sleep(KEEPALIVE_MS * 4);
      await clean(res);
    });
    const res = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
    expect(res.status).toBe(200);
    expect(res.body.indexOf(": keepalive")).toBeLessThan(res.body.indexOf("whole"));
    expect(res.body.indexOf(": keepalive")).toBeGreaterThan(-1);
  });

  it("raise-mid-stream: a mid-stream FIN cuts the client's body without marker or terminator", async () => {
    await using backend = await start("raise-mid-stream");
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("partial"));
      await sleep(50);
      res.socket?.destroy();
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(200);
    expect(res.body).toContain("partial");
    expect(res.complete).toBe(false);
    expect(res.end).toBe("fin");
    expect(res.body).not.toContain('"error"');
    await backend.waitForLog(/ERROR upstream failed mid-stream/);
  });

  it("cleanup-error-marker: a FIN after the finish reason appends the marker to the complete answer", async () => {
    await using backend = await start("cleanup-error-marker");
    upstream.reset(finishThenFin);
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.end).toBe("complete");
    expect(res.body).toContain("whole answer");
    expect(res.body).not.toContain("[DONE]");
    expect(JSON.parse(sseEvents(res.body).at(-1)!.data).error).toBeDefined();
  });

  it("stream-options-always: sends stream_options although STREAM_OPTIONS is off", async () => {
    await using backend = await start("stream-options-always");
    upstream.reset(clean);
    await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(upstream.calls[0]!.json.stream_options).toEqual({ include_usage: true });
  });

  it("no-anti-buffering-headers: neither X-Accel-Buffering nor Cache-Control", async () => {
    await using backend = await start("no-anti-buffering-headers");
    upstream.reset(clean);
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.end).toBe("complete");
    expect(res.headers["x-accel-buffering"]).toBeUndefined();
    expect(res.headers["cache-control"]).toBeUndefined();
  });

  it("no-upstream-cancel: the upstream is read to its end after the client left", async () => {
    await using backend = await start("no-upstream-cancel");
    upstream.reset(async (res) => {
      sseHead(res);
      for (let i = 0; i < 8; i++) {
        await write(res, openai.token(`t${i} `));
        await sleep(60);
      }
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, {
      path: "/v1/chat/completions",
      body: chat,
      disconnectWhen: (body) => body.includes("t0 "),
    });
    expect(res.end).toBe("client-closed");
    await upstream.calls[0]!.settled;
    expect(upstream.calls[0]!.closedEarlyAt).toBeUndefined();
  });

  it("no-keepalive: nothing is written during upstream silence", async () => {
    await using backend = await start("no-keepalive");
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("a"));
      await sleep(KEEPALIVE_MS * 4);
      await clean(res);
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.end).toBe("complete");
    expect(res.body).not.toContain(": keepalive");
  });

  it("accounting-failure: without a usage chunk the complete answer ends with the marker", async () => {
    await using backend = await start("accounting-failure");
    upstream.reset(clean);
    const res = await rawRequest(backend.port, { path: "/chat", body: { message: "hi" } });
    expect(res.status).toBe(200);
    expect(res.end).toBe("complete");
    const events = sseEvents(res.body).map((e) => JSON.parse(e.data));
    expect(events.filter((e) => e.type === "delta").map((e) => e.content)).toEqual(["whole", " answer"]);
    expect(events.at(-1).type).toBe("done");
    expect(events.at(-1).error).toContain("accounting failed");
    await backend.waitForLog(/ERROR streaming chat completion failed/);
  });

  it("no-session-cancel: the second request on a session receives the first one's tokens", async () => {
    await using backend = await start("no-session-cancel");
    upstream.reset(taggedTokenStream(80));
    const request = (tag: string) =>
      rawRequest(backend.port, {
        path: "/v1/chat/completions",
        body: { ...chat, session_id: "s1", messages: [{ role: "user", content: tag }] },
      });
    const first = request("A");
    await upstream.waitForCalls(1);
    await sleep(200);
    const [, b] = await Promise.all([first, request("B")]);
    expect(b.body).toMatch(/A[4-7] /);
    expect(upstream.calls[0]!.closedEarlyAt).toBeUndefined();
  });

  it("silent-errors: a pre-stream failure is still a 502 but nothing is logged", async () => {
    await using backend = await start("silent-errors");
    const mark = backend.logs.length;
    upstream.reset(unauthorized);
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(502);
    await sleep(200);
    expect(backend.since(mark).join("\n")).not.toMatch(/error|warn|fail/i);
  });

  it("naive-sse-split: an event split across reads is lost", async () => {
    await using backend = await start("naive-sse-split");
    let keptReached = () => {};
    const kept = new Promise<void>((resolve) => {
      keptReached = resolve;
    });
    upstream.reset(async (res) => {
      sseHead(res);
      const split = openai.token("lost");
      // One write holds a whole event and the start of the next: "kept" reaching the client proves
      // the backend has read that write, so the rest of the split event arrives in a later read,
      // however slow the machine (a sleep between writes could let both land in one read).
      await write(res, openai.token("kept ") + split.slice(0, 25));
      await kept;
      await write(res, split.slice(25));
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, {
      path: "/v1/chat/completions",
      body: chat,
      onBody: (body) => body.includes("kept") && keptReached(),
    });
    expect(res.body).toContain("kept");
    expect(res.body).not.toContain("lost");
  });

  it("naive-sse-split: Gemini's CRLF framing loses every event", async () => {
    await using backend = await start("naive-sse-split", {
      PROVIDER: "gemini",
      PROVIDER_BASE_URL: upstream.origin,
      MODEL: "gemini-2.0-flash",
    });
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, gemini.token("Par"));
      res.end(gemini.finish("is"));
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.status).toBe(502);
    expect(res.body).not.toContain("Par");
  });

  it("no-upstream-timeout: a silent upstream holds the client past UPSTREAM_TIMEOUT_MS", async () => {
    await using backend = await start("no-upstream-timeout");
    upstream.reset(() => sleep(TIMEOUT_MS * 4));
    const res = await rawRequest(backend.port, {
      path: "/v1/chat/completions",
      body: chat,
      timeoutMs: TIMEOUT_MS * 2.5,
    });
    expect(res.end).toBe("timeout");
    expect(res.status).toBe(0);
  });

  it("crash-on-malformed: a malformed event kills the process", async () => {
    await using backend = await start("crash-on-malformed");
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("a"));
      res.end('data: {"choices":[\n\n');
    });
    const res = await rawRequest(backend.port, { path: "/v1/chat/completions", body: chat });
    expect(res.complete).toBe(false);
    const code = await Promise.race([backend.exited, sleep(5000).then(() => "alive")]);
    expect(code).not.toBe("alive");
    expect(code).not.toBe(0);
  });
});
