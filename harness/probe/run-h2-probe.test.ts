import { constants } from "node:http2";
import { createServer as createHttpsServer } from "node:https";
import { beforeAll, describe, expect, it } from "vitest";
import { StreamchaosError } from "../../lib/errors.ts";
import { LOOPBACK } from "../../lib/net.ts";
import { useRunCa } from "../../proxies/testing/run-ca-fixture.ts";
import type { RunCa } from "../../runtime/tls/run-ca.ts";
import { runH2Probe } from "./run-h2-probe.ts";
import { startH2Server, writePaced } from "./testing/h2-server.ts";

/** Timers on a busy 2-core box fire late, never early; allow a little early for clock granularity. */
const EARLY_MS = 15;
const SSE = { ":status": 200, "content-type": "text/event-stream", "cache-control": "no-cache" };
const EVENTS = ["data: a\n\n", "data: b\n\n", "data: c\n\n"];

const run = useRunCa();
let ca: RunCa;
beforeAll(() => {
  ca = run.ca();
});

const probe = (url: string, extra: Partial<Parameters<typeof runH2Probe>[0]> = {}) =>
  runH2Probe({ url, ca: ca.caCertPem, timeoutMs: 10_000, ...extra });

const framesOf = (obs: Awaited<ReturnType<typeof runH2Probe>>, direction: "in" | "out", streamId = 1) =>
  obs.h2!.frames.filter((f) => f.direction === direction && f.streamId === streamId).map((f) => f.type);

describe("runH2Probe: how the stream ended, in HTTP/2 terms", () => {
  it("records a clean SSE stream: END_STREAM, DATA times that follow the pacing, the SSE view", async () => {
    const gap = 60;
    let writtenAt: number[] = [];
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond({ ...SSE, "x-b": "1", "x-a": "2" });
      writtenAt = await writePaced(stream, EVENTS, gap);
      stream.end();
    });
    const obs = await probe(`${server.url}/v1/stream?x=1`, { headers: { Accept: "text/event-stream" } });
    expect(obs.client).toBe("h2");
    expect(obs.end).toMatchObject({ kind: "clean", h2: { how: "end-stream", by: "server" } });
    expect(obs.h2!.alpn).toBe("h2");
    expect(obs.h2!.streamId).toBe(1);
    expect(obs.response).toMatchObject({ statusCode: 200, httpVersion: "2", framing: "h2" });
    expect(obs.response!.headers.slice(0, 4)).toEqual([
      ["content-type", "text/event-stream"],
      ["cache-control", "no-cache"],
      ["x-b", "1"],
      ["x-a", "2"],
    ]);
    expect(obs.terminatorSeen).toBe(true);
    expect(obs.complete).toBe(true);
    expect(obs.chunks.map((c) => c.data.toString())).toEqual(EVENTS);
    expect(obs.body.toString()).toBe(EVENTS.join(""));
    expect(obs.sse.events.map((e) => e.data)).toEqual(["a", "b", "c"]);
    // Each DATA frame is stamped when its read arrived: never before the server wrote it, and (the
    // writes being a gap apart) each later than the write before it. A stalled reader may stamp two
    // frames of one read alike, so the gap itself is not asserted between arrivals.
    for (const [i, chunk] of obs.chunks.entries()) {
      expect(chunk.t).toBeGreaterThanOrEqual(writtenAt[i]!);
      if (i > 0) expect(chunk.t - writtenAt[i - 1]!).toBeGreaterThanOrEqual(gap - EARLY_MS);
    }
    expect(obs.sse.events[2]!.t).toBe(obs.chunks[2]!.t);
    expect(obs.terminatorAt).toBeGreaterThanOrEqual(obs.chunks[2]!.t);
    expect(obs.firstBodyByteAt).toBe(obs.chunks[0]!.t);
    expect(obs.response!.headersAt).toBeLessThanOrEqual(obs.firstBodyByteAt!);
    const mine = obs.h2!.frames.filter((f) => f.direction === "in" && f.streamId === 1);
    expect(mine[0]!.type).toBe("HEADERS");
    expect(mine.slice(1).every((f) => f.type === "DATA")).toBe(true);
    expect(mine.at(-1)!.endStream).toBe(true);
    expect(mine.filter((f) => f.endStream)).toHaveLength(1);
    expect(obs.h2!.serverSettings).toEqual([]); // Node's server sends an empty SETTINGS: all defaults
    expect(obs.request.headers).toMatchObject({
      ":method": "GET",
      ":path": "/v1/stream?x=1",
      ":scheme": "https",
      ":authority": `${LOOPBACK}:${server.port}`,
      accept: "text/event-stream",
    });
    expect(obs.closedBy).toBe("probe");
    expect(obs.fetchView.outcome).toBe("not-run");
  });

  it("reports the server's RST_STREAM with its code, keeping the body that came first", async () => {
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 2), 20);
      await new Promise((r) => setTimeout(r, 20));
      // destroy(error), not close(code): Node's close() ends the writable side (END_STREAM) first.
      stream.destroy(new Error("upstream died"));
    });
    const obs = await probe(`${server.url}/`);
    expect(obs.end).toMatchObject({
      kind: "rst",
      h2: { how: "rst-stream", by: "server", code: 2, codeName: "INTERNAL_ERROR" },
    });
    expect(obs.end.detail).toBe("the server reset the stream: RST_STREAM INTERNAL_ERROR");
    expect(obs.terminatorSeen).toBe(false);
    expect(obs.complete).toBe(false);
    expect(obs.sse.events.map((e) => e.data)).toEqual(["a", "b"]);
    expect(framesOf(obs, "in").at(-1)).toBe("RST_STREAM");
  });

  it("reports a GOAWAY that abandons the stream, with its code and last stream id", async () => {
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 1), 0);
      await new Promise((r) => setTimeout(r, 20));
      stream.session!.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, Buffer.from("too many"));
    });
    const obs = await probe(`${server.url}/`);
    expect(obs.end).toMatchObject({
      kind: "rst",
      h2: { how: "goaway", code: 11, codeName: "ENHANCE_YOUR_CALM", debug: "too many" },
    });
    expect(obs.h2!.goaway).toMatchObject({ code: 11, lastStreamId: obs.end.h2!.lastStreamId });
    expect(obs.body.toString()).toBe(EVENTS[0]);
  });

  it("a graceful GOAWAY that covers the stream lets it finish", async () => {
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 1), 0);
      stream.session!.goaway(constants.NGHTTP2_NO_ERROR, 1);
      await writePaced(stream, EVENTS.slice(1), 20);
      stream.end();
    });
    const obs = await probe(`${server.url}/`);
    expect(obs.h2!.goaway).toMatchObject({ code: 0, codeName: "NO_ERROR", lastStreamId: 1 });
    expect(obs.end).toMatchObject({ kind: "clean", h2: { how: "end-stream" } });
    expect(obs.sse.events).toHaveLength(3);
  });

  it("RST_STREAM(NO_ERROR) before END_STREAM is still a broken stream", async () => {
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 1), 0);
      await new Promise((r) => setTimeout(r, 20));
      // Node's server answers its own socket ending with RST_STREAM(NO_ERROR) on open streams.
      stream.session!.socket.end();
    });
    const obs = await probe(`${server.url}/`);
    expect(obs.end).toMatchObject({ kind: "rst", h2: { how: "rst-stream", codeName: "NO_ERROR" } });
    expect(obs.complete).toBe(false);
  });

  it("a connection closed (FIN) before END_STREAM is fin-mid-body; a TCP reset is rst", async () => {
    await using closing = await startH2Server(ca, async ({ stream, tcp }) => {
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 2), 20);
      await new Promise((r) => setTimeout(r, 20));
      tcp.destroy();
    });
    const fin = await probe(`${closing.url}/`);
    expect(fin.end).toMatchObject({ kind: "fin-mid-body", h2: { how: "connection-closed", by: "server" } });
    expect(fin.closedBy).toBe("peer-fin");
    expect(fin.sse.events).toHaveLength(2);

    await using resetting = await startH2Server(ca, async ({ stream, tcp }) => {
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 1), 0);
      await new Promise((r) => setTimeout(r, 20));
      tcp.resetAndDestroy();
    });
    const rst = await probe(`${resetting.url}/`);
    expect(rst.end).toMatchObject({ kind: "rst", h2: { how: "connection-reset", by: "server" } });
    expect(rst.end.detail).toMatch(/^ECONNRESET/);
    expect(rst.closedBy).toBe("peer-rst");
  });

  it("strips the padding a server adds to DATA and HEADERS frames", async () => {
    await using server = await startH2Server(
      ca,
      ({ stream }) => {
        stream.respond(SSE);
        stream.end(EVENTS.join(""));
      },
      { paddingStrategy: constants.PADDING_STRATEGY_MAX },
    );
    const obs = await probe(`${server.url}/`);
    expect(obs.end.kind).toBe("clean");
    expect(obs.body.toString()).toBe(EVENTS.join(""));
    const padded = obs.h2!.frames.filter((f) => f.direction === "in" && f.padLength !== undefined);
    expect(padded.length).toBeGreaterThan(0);
    expect(padded.every((f) => f.flags.includes("PADDED"))).toBe(true);
  });

  it("records trailers, END_STREAM on a HEADERS frame, a request body and a 1xx", async () => {
    await using server = await startH2Server(ca, async ({ stream, body }) => {
      stream.additionalHeaders({ ":status": 103, link: "</x>; rel=preload" });
      const got = await body;
      stream.respond({ ":status": 200, "content-type": "application/json" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "x-usage": "12" }));
      stream.end(got);
    });
    const obs = await probe(`${server.url}/echo`, { body: { hello: "h2" } });
    expect(obs.request.headers).toMatchObject({ ":method": "POST", "content-length": "14" });
    expect(obs.end.kind).toBe("clean");
    expect(JSON.parse(obs.text)).toEqual({ hello: "h2" });
    expect(obs.trailers).toEqual([["x-usage", "12"]]);
    expect(obs.h2!.frames.filter((f) => f.direction === "in" && f.streamId === 1).at(-1)).toMatchObject({
      type: "HEADERS",
      endStream: true,
    });
    expect(obs.interim).toEqual([expect.objectContaining({ statusCode: 103 })]);
  });

  it("sends a POST without a body with content-length 0, and never h1-only fields", async () => {
    await using server = await startH2Server(ca, ({ stream }) => {
      stream.respond({ ":status": 204 });
      stream.end();
    });
    const obs = await probe(`${server.url}/`, {
      method: "POST",
      headers: { Connection: "keep-alive", Host: "example.test", "Transfer-Encoding": "chunked", TE: "gzip" },
    });
    expect(obs.end.kind).toBe("clean");
    expect(obs.request.headers).toEqual({
      ":method": "POST",
      ":path": "/",
      ":scheme": "https",
      ":authority": "example.test",
      "content-length": "0",
    });
    expect((await server.stream(0)).headers[":authority"]).toBe("example.test");
  });
});

describe("runH2Probe: the client hanging up and giving up", () => {
  const endless = async ({ stream }: { stream: import("node:http2").ServerHttp2Stream }) => {
    stream.respond(SSE);
    for (let i = 0; i < 200 && !stream.closed; i++) {
      stream.write(`data: ${i}\n\n`);
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!stream.closed) stream.end();
  };

  it("after N events it cancels the stream with RST_STREAM(CANCEL) and the server sees it", async () => {
    await using server = await startH2Server(ca, endless);
    const obs = await probe(`${server.url}/`, { disconnect: { afterEvents: 3 } });
    expect(obs.end).toMatchObject({
      kind: "client-disconnect",
      h2: { how: "rst-stream", by: "client", code: 8, codeName: "CANCEL" },
    });
    expect(obs.disconnect?.reason).toBe("after 3 SSE events");
    expect(obs.sse.events.length).toBe(3);
    const cancel = obs.h2!.frames.find((f) => f.direction === "out" && f.type === "RST_STREAM");
    expect(cancel).toMatchObject({ streamId: 1, errorName: "CANCEL" });
    expect(await (await server.stream(0)).closed).toBe(constants.NGHTTP2_CANCEL);
  });

  it("after N bytes, after N ms, and before the first byte", async () => {
    await using server = await startH2Server(ca, endless);
    const bytes = await probe(`${server.url}/`, { disconnect: { afterBytes: 20 } });
    expect(bytes.end.kind).toBe("client-disconnect");
    expect(bytes.body.length).toBeGreaterThanOrEqual(20);
    expect(bytes.body.length).toBeLessThan(40);

    const started = performance.now();
    const ms = await probe(`${server.url}/`, { disconnect: { afterMs: 150 } });
    expect(ms.disconnect!.t - ms.startedAt).toBeGreaterThanOrEqual(150 - EARLY_MS);
    expect(performance.now() - started).toBeLessThan(5_000);

    const early = await probe(`${server.url}/`, { disconnect: { beforeFirstByte: true } });
    expect(early.end.kind).toBe("client-disconnect");
    expect(early.disconnect?.reason).toBe("before the first response byte");
    expect(early.body.length).toBe(0);
    const requestFrames = early.h2!.frames.filter((f) => f.direction === "out" && f.streamId === 1);
    expect(requestFrames.map((f) => f.type)).toEqual(["HEADERS", "RST_STREAM"]);
  });

  it("after N pieces of a framing it does not parse (a text or NDJSON contract's counter)", async () => {
    await using server = await startH2Server(ca, endless);
    let reads = 0;
    const counter = { unit: "text reads", push: () => ++reads };
    const obs = await probe(`${server.url}/`, { disconnect: { afterPieces: { count: 2, counter } } });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect?.reason).toBe("after 2 text reads");
    expect(reads).toBeGreaterThanOrEqual(2);
  });

  it("mode rst resets the whole connection instead", async () => {
    await using server = await startH2Server(ca, endless);
    const obs = await probe(`${server.url}/`, { disconnect: { afterEvents: 1, mode: "rst" } });
    expect(obs.end).toMatchObject({
      kind: "client-disconnect",
      h2: { how: "connection-reset", by: "client" },
    });
    expect(obs.h2!.frames.some((f) => f.direction === "out" && f.type === "RST_STREAM")).toBe(false);
  });

  it("idle and total timeouts end as timeout and cancel the stream", async () => {
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      stream.write(EVENTS[0]);
    });
    const idle = await probe(`${server.url}/`, { idleTimeoutMs: 200 });
    expect(idle.end.kind).toBe("timeout");
    expect(idle.end.detail).toBe("idle: no byte for 200ms");
    expect(idle.end.t - idle.firstBodyByteAt!).toBeGreaterThanOrEqual(200 - EARLY_MS);
    expect(idle.h2!.frames.some((f) => f.direction === "out" && f.errorName === "CANCEL")).toBe(true);

    const total = await probe(`${server.url}/`, { timeoutMs: 300 });
    expect(total.end).toMatchObject({ kind: "timeout", detail: "total timeout 300ms" });
  });
});

describe("runH2Probe: no HTTP/2 to speak", () => {
  it("a TLS listener without h2 in ALPN is connect-failed, naming what ALPN chose", async () => {
    const server = createHttpsServer({ cert: ca.certPem, key: ca.keyPem }, (_req, res) => res.end("h1"));
    await new Promise<void>((r) => server.listen(0, LOOPBACK, r));
    try {
      const port = (server.address() as { port: number }).port;
      const obs = await probe(`https://${LOOPBACK}:${port}/`);
      expect(obs.end.kind).toBe("connect-failed");
      expect(obs.end.detail).toBe(
        "TLS worked but ALPN chose http/1.1, not h2: this listener does not offer HTTP/2",
      );
      expect(obs.h2!.alpn).toBe("http/1.1");
    } finally {
      server.close();
    }
  });

  it("a certificate the probe does not trust, and a closed port, are connect-failed", async () => {
    await using server = await startH2Server(ca, ({ stream }) => stream.respond({ ":status": 200 }));
    const untrusted = await runH2Probe({ url: `${server.url}/`, timeoutMs: 5_000 });
    expect(untrusted.end.kind).toBe("connect-failed");
    expect(untrusted.end.detail).toMatch(/^UNABLE_TO_VERIFY_LEAF_SIGNATURE/);
    await server[Symbol.asyncDispose]();
    const refused = await probe(`${server.url}/`);
    expect(refused.end.kind).toBe("connect-failed");
    expect(refused.end.detail).toMatch(/^ECONNREFUSED/);
  });

  it("an http:// URL is a UserError that points at the TLS listener", async () => {
    const error = await runH2Probe({ url: "http://127.0.0.1:1/" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamchaosError);
    expect((error as StreamchaosError).code).toBe("PROBE_BAD_URL");
    expect((error as StreamchaosError).fix).toContain("TLS listener");
  });
});
