import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../../../lib/tempdir.ts";
import { until } from "../../../lib/testing.ts";
import { startFakeProvider } from "../../index.ts";
import { rawRequest } from "../../testing/raw-http.ts";
import { cassetteBody } from "../body.ts";
import { cassetteEvents } from "../events.ts";
import { loadCassette } from "../load.ts";
import { anthropicHeaders, anthropicToolUseEvents } from "../testing/anthropic-tool-use.ts";
import { startScriptedUpstream } from "../testing/scripted-upstream.ts";
import { startRecorder } from "./recorder.ts";

/**
 * The recorder between a client (a raw socket that sees every chunk) and a real streaming
 * upstream: the fake provider, or a scripted one for what the fake's scripts cannot make.
 */
async function savedCassette(recorder: { saved(): ReadonlyArray<{ file: string }> }, n = 1) {
  await until(() => recorder.saved().length >= n, 5_000, `${n} cassette(s) saved`);
  return loadCassette(recorder.saved()[n - 1]!.file);
}

describe("record: what the client gets is what the upstream wrote, and the cassette keeps it", () => {
  it("an OpenAI stream: byte-identical body, one cassette write per upstream write, a split é included", async () => {
    await using out = await makeTempDir("record");
    await using fake = await startFakeProvider({
      script: {
        content: { tokens: ["Bonjour", " à", " tous"] },
        pacing: { intervalMs: 15 },
        faults: [{ fault: "split-utf8", gapMs: 15 }],
      },
    });
    await using recorder = await startRecorder({ target: fake.url, out: out.path });
    const r = await rawRequest(recorder.url, {
      path: "/v1/chat/completions?key=AIza-secret",
      body: { model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true } },
      headers: { Authorization: "Bearer sk-live-secret", Cookie: "session=abc" },
    });
    expect(r.status).toBe(200);
    expect(r.complete).toBe(true);

    const cassette = await savedCassette(recorder);
    const body = cassetteBody(cassette);
    const [entry] = fake.journal();
    expect(body.bytes.equals(r.body)).toBe(true);
    expect(body.writes.map((w) => w.length)).toEqual(r.chunks.map((c) => c.length));
    expect(body.writes.map((w) => w.length)).toEqual(entry!.events.map((e) => e.bytes));
    // The split character: two writes that are not UTF-8 on their own, kept as base64.
    expect(cassette.response!.writes.filter((w) => "base64" in w)).toHaveLength(2);
    expect(body.bytes.toString("utf8")).toContain('"content":" à"');

    expect(cassette).toMatchObject({
      version: 1,
      provider: "openai",
      providerBy: "route",
      source: { kind: "record", from: `${fake.url}/` },
      request: { method: "POST", path: "/v1/chat/completions", query: "key=[redacted]" },
      response: { status: 200, statusText: "OK", timing: "recorded" },
      end: { how: "complete" },
    });
    expect(cassette.request!.headers).toContainEqual(["Authorization", "[redacted]"]);
    expect(cassette.request!.headers).toContainEqual(["Cookie", "[redacted]"]);
    expect(cassette.request!.headers).toContainEqual(["Host", new URL(fake.url).host]);
    expect(
      JSON.parse(Buffer.from((cassette.request!.body as { text: string }).text).toString()),
    ).toMatchObject({
      stream: true,
    });
    const times = cassette.response!.writes.map((w) => w.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(cassette.response!.t).toBeLessThanOrEqual(times[0]!);
    expect(cassette.end.t).toBeGreaterThanOrEqual(times.at(-1)!);
    expect(
      cassetteEvents(cassette)
        .events.map((e) => e.type)
        .at(-1),
    ).toBe("[DONE]");
  });

  it("an Anthropic stream with thinking and tool use, written in odd pieces, keeps every piece", async () => {
    await using out = await makeTempDir("record");
    const body = Buffer.from(anthropicToolUseEvents.join(""));
    // Two events in one write, then an event cut inside "ü", then the rest one event per write.
    const twoEvents = anthropicToolUseEvents[0]!.length + anthropicToolUseEvents[1]!.length;
    const insideU = body.indexOf(Buffer.from("Zür")) + 3;
    const pieces = [body.subarray(0, twoEvents), body.subarray(twoEvents, insideU), body.subarray(insideU)];
    await using upstream = await startScriptedUpstream({
      headers: anthropicHeaders,
      writes: pieces.map((bytes) => ({ bytes, gapMs: 10 })),
    });
    await using recorder = await startRecorder({ target: upstream.url, out: out.path });
    const r = await rawRequest(recorder.url, {
      path: "/v1/messages",
      body: {
        model: "claude-sonnet-4-20250514",
        stream: true,
        thinking: { type: "enabled", budget_tokens: 1024 },
      },
      headers: { "x-api-key": "sk-ant-api03-secret", "anthropic-version": "2023-06-01" },
    });
    expect(r.body.equals(body)).toBe(true);

    const cassette = await savedCassette(recorder);
    const recorded = cassetteBody(cassette);
    expect(recorded.bytes.equals(body)).toBe(true);
    expect(recorded.writes.map((w) => w.length)).toEqual(pieces.map((p) => p.length));
    expect(cassette.provider).toBe("anthropic");
    expect(cassette.request!.headers).toContainEqual(["x-api-key", "[redacted]"]);
    // Redacted in the cassette only: the upstream got the real key.
    const post = upstream.requests.find((request) => request.method === "POST")!;
    expect(post.rawHeaders).toContain("sk-ant-api03-secret");
    const { events } = cassetteEvents(cassette);
    expect(events.map((e) => e.type)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events.map((e) => e.length)).toEqual(anthropicToolUseEvents.map((e) => Buffer.byteLength(e)));
    expect(events.map((e) => e.json)).toContainEqual(
      expect.objectContaining({ delta: expect.objectContaining({ type: "thinking_delta" }) }),
    );
  });

  it("an Anthropic stream from the fake, through a target with a path prefix", async () => {
    await using out = await makeTempDir("record");
    await using fake = await startFakeProvider({ script: { content: { text: "Hey there" } } });
    await using recorder = await startRecorder({ target: `${fake.url}/v1`, out: out.path });
    expect(recorder.baseUrl("openai")).toBe(recorder.url);
    // Anthropic's SDK adds /v1 itself: a target ending in /v1 cannot serve it.
    expect(recorder.baseUrl("anthropic")).toBeUndefined();
    const r = await rawRequest(recorder.url, { path: "/messages", body: { stream: true } });
    const cassette = await savedCassette(recorder);
    expect(cassette.request!.path).toBe("/v1/messages");
    expect(cassette.provider).toBe("anthropic");
    expect(cassetteBody(cassette).bytes.equals(r.body)).toBe(true);
    expect(cassetteEvents(cassette).events.at(-1)!.type).toBe("message_stop");
  });
});

describe("record: what is forwarded", () => {
  it("the request as sent, Host aside (added for an HTTP/1.0 client that sent none), hop-by-hop headers dropped", async () => {
    await using out = await makeTempDir("record");
    await using upstream = await startScriptedUpstream({
      headers: { "content-type": "application/json" },
      writes: [{ bytes: "{}" }],
    });
    await using recorder = await startRecorder({ target: upstream.url, out: out.path });
    const { port } = new URL(recorder.url);
    const socket = connect(Number(port), "127.0.0.1");
    socket.end(
      "POST /v1/chat/completions HTTP/1.0\r\nX-Trace: abc\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nContent-Length: 2\r\n\r\n{}",
    );
    await savedCassette(recorder);
    socket.destroy();
    const post = upstream.requests.find((request) => request.method === "POST")!;
    expect(post.rawHeaders).toEqual([
      "Host",
      new URL(upstream.url).host,
      "X-Trace",
      "abc",
      "Content-Length",
      "2",
      // The recorder's own upstream connection, kept alive: its header, not the client's.
      "Connection",
      "keep-alive",
    ]);
    expect(post.body.toString()).toBe("{}");
  });
});

describe("record: streams pass through unbuffered", () => {
  it("the first event reaches the client long before the upstream finishes", async () => {
    await using out = await makeTempDir("record");
    const intervalMs = 150;
    await using fake = await startFakeProvider({
      script: { content: { tokens: ["a", "b", "c", "d", "e", "f", "g", "h"] }, pacing: { intervalMs } },
    });
    await using recorder = await startRecorder({ target: fake.url, out: out.path });
    const r = await rawRequest(recorder.url, { path: "/v1/chat/completions", body: { stream: true } });
    const writes = fake.journal()[0]!.events;
    const firstContent = writes.findIndex((e) => e.kind === "content");
    // When the client had the first token's event: the first read after which its bytes are in.
    let seen = Buffer.alloc(0);
    const firstAtClient = r.reads.find((read) => {
      seen = Buffer.concat([seen, read.bytes]);
      return seen.includes('"content":"a"');
    })!.t;
    // Seven intervals separate the first content write from the last: the client has the first
    // event more than five of them before the upstream is done (two intervals of tolerance), and
    // before the upstream has written the event after next.
    expect(writes.at(-1)!.t - firstAtClient).toBeGreaterThan(5 * intervalMs);
    expect(firstAtClient).toBeLessThan(writes[firstContent + 2]!.t);
    const cassette = await savedCassette(recorder);
    const recordedFirst = cassette.response!.writes[1]!.t;
    expect(cassette.response!.writes.at(-1)!.t - recordedFirst).toBeGreaterThan(5 * intervalMs);
  });
});

describe("record: how an exchange ended is kept", () => {
  it("the upstream dies mid-body: the client's response is cut the same way, the cassette says so", async () => {
    await using out = await makeTempDir("record");
    await using upstream = await startScriptedUpstream({
      headers: { "content-type": "text/event-stream" },
      writes: [{ bytes: 'data: {"n":1}\n\n' }, { bytes: 'data: {"n":2}\n\n', gapMs: 10 }],
      end: "destroy",
    });
    await using recorder = await startRecorder({ target: upstream.url, out: out.path });
    const r = await rawRequest(recorder.url, { path: "/v1/chat/completions", body: { stream: true } });
    expect(r.complete).toBe(false);
    expect(r.body.toString()).toBe('data: {"n":1}\n\ndata: {"n":2}\n\n');
    const cassette = await savedCassette(recorder);
    expect(cassette.end.how).toBe("upstream-closed");
    expect(cassette.response!.writes).toHaveLength(2);
  });

  it("the client leaves mid-stream: the upstream call is cancelled, the cassette says client-closed", async () => {
    await using out = await makeTempDir("record");
    await using fake = await startFakeProvider({
      script: { content: { tokens: ["a", "b", "c", "d", "e", "f"] }, pacing: { intervalMs: 100 } },
    });
    await using recorder = await startRecorder({ target: fake.url, out: out.path });
    await rawRequest(recorder.url, {
      path: "/v1/chat/completions",
      body: { stream: true },
      abortAfterBodyBytes: 300,
    });
    const cassette = await savedCassette(recorder);
    expect(cassette.end.how).toBe("client-closed");
    const [entry] = await fake.waitFor({ event: "client-closed", duringResponse: true }, 5_000);
    expect(entry!.outcome).toBe("client-closed");
  });

  it("the target goes away after startup: a 502 to the client and a cassette with no response", async () => {
    await using out = await makeTempDir("record");
    const fake = await startFakeProvider();
    await using recorder = await startRecorder({ target: fake.url, out: out.path });
    await fake[Symbol.asyncDispose]();
    const r = await rawRequest(recorder.url, { path: "/v1/chat/completions", body: { stream: true } });
    expect(r.status).toBe(502);
    expect(r.body.toString()).toContain("streamchaos record: the target");
    const cassette = await savedCassette(recorder);
    expect(cassette.response).toBeUndefined();
    expect(cassette.end).toMatchObject({
      how: "upstream-error",
      error: expect.stringContaining("ECONNREFUSED"),
    });
  });

  it("a request target no URL can be read from: a 400 that names it, nothing recorded, the recorder goes on", async () => {
    await using out = await makeTempDir("record");
    await using fake = await startFakeProvider();
    await using recorder = await startRecorder({ target: fake.url, out: out.path });
    const bad = await rawRequest(recorder.url, { method: "GET", path: "http://[x/" });
    expect([bad.status, bad.reason]).toEqual([400, "Bad Request"]);
    expect(bad.body.toString()).toContain('the request target "http://[x/" is not a URL path');
    const r = await rawRequest(recorder.url, { path: "/v1/chat/completions", body: { stream: true } });
    expect(r.status).toBe(200);
    await savedCassette(recorder);
    expect(recorder.saved()).toHaveLength(1);
  });

  it("stopping the recorder mid-stream writes what is in flight, marked cut short", async () => {
    await using out = await makeTempDir("record");
    await using fake = await startFakeProvider({
      script: { content: { tokens: ["a", "b", "c", "d", "e", "f", "g", "h"] }, pacing: { intervalMs: 100 } },
    });
    const recorder = await startRecorder({ target: fake.url, out: out.path });
    const response = rawRequest(recorder.url, { path: "/v1/chat/completions", body: { stream: true } });
    // The journal wakes waiters at the headers, the first token and the end, not per write: poll.
    await until(() => (fake.journal()[0]?.events.length ?? 0) >= 3, 5_000, "3 upstream writes");
    await until(() => recorder.inFlight() === 1);
    await recorder[Symbol.asyncDispose]();
    expect(recorder.saved()).toHaveLength(1);
    const r = await response;
    const cassette = await loadCassette(recorder.saved()[0]!.file);
    expect(cassette.end.how).toBe("cut-short");
    expect(cassette.response!.writes.length).toBeGreaterThanOrEqual(2);
    // Everything the client got was recorded (the recorder writes what it recorded, then hangs up).
    expect(cassetteBody(cassette).bytes.subarray(0, r.body.length).equals(r.body)).toBe(true);
  });
});
