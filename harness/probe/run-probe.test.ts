import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { describe, expect, it } from "vitest";
import { LOOPBACK } from "../../lib/net.ts";
import { headerValue } from "./helpers.ts";
import { runProbe } from "./index.ts";
import { startRawServer, writeSpaced } from "./internal/raw-server.ts";

const HEAD_CHUNKED =
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
/** Timers on a busy 2-core box fire late, never early; allow a little early for clock granularity. */
const EARLY_MS = 15;

async function startHttp(handler: Parameters<typeof createHttpServer>[1]): Promise<Server & AsyncDisposable> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  return Object.assign(server, {
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

describe("runProbe: framing and how the connection ended", () => {
  it("records a clean chunked SSE stream with per-chunk times that follow the server's pacing", async () => {
    const gap = 60;
    await using server = await startRawServer(async (socket) => {
      await writeSpaced(
        socket,
        [HEAD_CHUNKED, chunk("data: a\n\n"), chunk("data: b\n\n"), chunk("data: c\n\n"), "0\r\n\r\n"],
        gap,
      );
      socket.end();
    });
    const obs = await runProbe({ url: `${server.url}/v1/stream`, headers: { Accept: "text/event-stream" } });
    expect(obs.end.kind).toBe("clean");
    expect(obs.closedBy).toBe("peer-fin");
    expect(obs.response?.statusCode).toBe(200);
    expect(obs.response?.framing).toBe("chunked");
    expect(obs.response?.headers).toEqual([
      ["Content-Type", "text/event-stream"],
      ["Transfer-Encoding", "chunked"],
    ]);
    expect(obs.terminatorSeen).toBe(true);
    expect(obs.complete).toBe(true);
    expect(obs.chunks.map((c) => c.data.toString())).toEqual(["data: a\n\n", "data: b\n\n", "data: c\n\n"]);
    expect(obs.body.toString()).toBe("data: a\n\ndata: b\n\ndata: c\n\n");
    expect(obs.text).toBe(obs.body.toString());
    expect(obs.sse.events.map((e) => e.data)).toEqual(["a", "b", "c"]);
    for (let i = 1; i < obs.chunks.length; i++) {
      expect(obs.chunks[i]!.t - obs.chunks[i - 1]!.t).toBeGreaterThanOrEqual(gap - EARLY_MS);
    }
    expect(obs.sse.events[2]!.t).toBe(obs.chunks[2]!.t);
    expect(obs.firstByteAt).toBeGreaterThanOrEqual(obs.connectedAt!);
    expect(obs.trailingGarbage).toBeUndefined();
    const request = server.connections[0]!.request.toString("latin1");
    expect(request).toMatch(
      /^GET \/v1\/stream HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nAccept: text\/event-stream\r\n/,
    );
    expect(request).toContain("Connection: close\r\n\r\n");
    expect(obs.fetchView).toMatchObject({ outcome: "complete", status: 200, bodyBytes: obs.body.length });
  });

  it("reads a Content-Length body and a POSTed JSON body arrives with its length", async () => {
    await using server = await startRawServer((socket) => {
      socket.end("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Two: 1\r\nx-two: 2\r\n\r\nhello");
    });
    const obs = await runProbe({ url: server.url, body: { q: "hi" }, fetchView: false });
    expect(obs.end).toMatchObject({ kind: "clean" });
    expect(obs.response?.framing).toBe("content-length");
    expect(obs.text).toBe("hello");
    expect(obs.complete).toBe(true);
    expect(obs.terminatorSeen).toBe(false);
    expect(headerValue(obs, "X-TWO")).toBe("1, 2");
    expect(obs.fetchView.outcome).toBe("not-run");
    const request = server.connections[0]!.request.toString("latin1");
    expect(request).toMatch(/^POST \/ HTTP\/1\.1\r\n/);
    expect(request).toContain("Content-Type: application/json\r\nContent-Length: 10\r\n");
    expect(request.endsWith('\r\n\r\n{"q":"hi"}')).toBe(true);
  });

  it("reports a Content-Length body cut short as fin-mid-body with the byte counts", async () => {
    await using server = await startRawServer((socket) => {
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("5 of 10 bytes");
    expect(obs.complete).toBe(false);
  });

  it("treats a body without length or chunking as close-delimited and complete at FIN", async () => {
    await using server = await startRawServer(async (socket) => {
      await writeSpaced(
        socket,
        ["HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", "part1 ", "part2"],
        20,
      );
      socket.end();
    });
    const obs = await runProbe({ url: server.url });
    expect(obs.response?.framing).toBe("close-delimited");
    expect(obs.end.kind).toBe("clean");
    expect(obs.complete).toBe(true);
    expect(obs.text).toBe("part1 part2");
    expect(obs.bodyReads.length).toBeGreaterThanOrEqual(2);
    expect(obs.fetchView.outcome).toBe("complete");
  });

  it("gives 204 and HEAD responses no body even when a length is announced", async () => {
    await using server = await startRawServer((socket, request) => {
      if (request.toString().startsWith("HEAD"))
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
      else socket.end("HTTP/1.1 204 No Content\r\n\r\n");
    });
    const head = await runProbe({ url: server.url, method: "HEAD" });
    expect(head.response?.framing).toBe("none");
    expect(head.end.kind).toBe("clean");
    expect(head.body.length).toBe(0);
    expect(head.fetchView.outcome).toBe("complete");
    const noContent = await runProbe({ url: server.url, fetchView: false });
    expect(noContent.response?.statusCode).toBe(204);
    expect(noContent.response?.framing).toBe("none");
    expect(noContent.complete).toBe(true);
  });

  it("skips 1xx interim responses and keeps them on the side", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
      );
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.response?.statusCode).toBe(200);
    expect(obs.interim?.map((r) => r.statusCode)).toEqual([100, 103]);
    expect(obs.interim?.[1]?.headers).toEqual([["Link", "</a>"]]);
    expect(obs.text).toBe("ok");
  });

  it("sees a chunked body cut by FIN like Node res.destroy(): no terminator, fetch says terminated", async () => {
    await using server = await startHttp((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write("data: one\n\n");
      res.write("data: two\n\n", () => setTimeout(() => res.destroy(), 20));
    });
    const obs = await runProbe({ url: `http://${LOOPBACK}:${portOf(server)}/` });
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("no terminating 0-size chunk");
    expect(obs.closedBy).toBe("peer-fin");
    expect(obs.terminatorSeen).toBe(false);
    expect(obs.complete).toBe(false);
    expect(obs.sse.events.map((e) => e.data)).toEqual(["one", "two"]);
    expect(obs.trailingGarbage).toBeUndefined();
    // Node answers our `Connection: close` with `Connection: close`; undici then lets llhttp judge the
    // EOF instead of reporting "other side closed" (client-h1.js onHttpSocketEnd).
    expect(headerValue(obs, "connection")).toBe("close");
    expect(obs.fetchView.outcome).toBe("terminated");
    expect(obs.fetchView.error).toBe(
      "TypeError: terminated (cause: HTTPParserError: Response does not match the HTTP/1.1 protocol (Invalid EOF state))",
    );
    expect(obs.fetchView.bodyBytes).toBe(obs.body.length);
  });

  it("sees a chunked body cut by RST (socket.resetAndDestroy) as rst", async () => {
    await using server = await startHttp((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write("data: one\n\n", () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
    });
    const obs = await runProbe({ url: `http://${LOOPBACK}:${portOf(server)}/` });
    expect(obs.end.kind).toBe("rst");
    expect(obs.end.detail).toMatch(/^ECONNRESET/);
    expect(obs.closedBy).toBe("peer-rst");
    expect(obs.sse.events.map((e) => e.data)).toEqual(["one"]);
    expect(obs.fetchView.outcome).toBe("terminated");
    expect(obs.fetchView.error).toContain("TypeError: terminated");
  });

  it("replays a keep-alive response cut by FIN or RST the way fetch reports it", async () => {
    for (const how of ["fin", "rst"] as const) {
      await using server = await startRawServer((socket) => {
        socket.write(`${HEAD_CHUNKED}${chunk("data: one\n\n")}`, () =>
          setTimeout(() => (how === "fin" ? socket.end() : socket.resetAndDestroy()), 20),
        );
      });
      const obs = await runProbe({ url: server.url });
      expect(obs.end.kind).toBe(how === "fin" ? "fin-mid-body" : "rst");
      expect(obs.fetchView).toMatchObject(
        how === "fin"
          ? {
              outcome: "terminated",
              error: "TypeError: terminated (cause: SocketError: other side closed)",
              errorCode: "UND_ERR_SOCKET",
              bodyBytes: 11,
            }
          : {
              outcome: "terminated",
              error: "TypeError: terminated (cause: Error: read ECONNRESET)",
              errorCode: "ECONNRESET",
            },
      );
    }
  });

  it("keeps a half chunk-size line as trailing garbage when FIN cuts it", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}${chunk("data: a\n\n")}1`);
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("mid chunk-size line");
    expect(obs.trailingGarbage?.toString()).toBe("1");
    expect(obs.chunks).toHaveLength(1);
  });

  it("keeps the partial chunk when FIN cuts mid chunk data", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}14\r\ndata: partial`);
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("mid chunk data: 13 of 20 bytes of chunk #1");
    expect(obs.trailingGarbage?.toString()).toBe("data: partial");
    expect(obs.body.toString()).toBe("data: partial");
    expect(obs.chunks).toHaveLength(0);
  });

  it("notices a missing final CRLF after the last-chunk", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}${chunk("data: a\n\n")}0\r\n`);
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("before the final CRLF");
    expect(obs.terminatorSeen).toBe(false);
  });

  it("notices chunk data not followed by CRLF (a size that lies) without crashing", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}3\r\nabcdef\r\n0\r\n\r\n`);
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.complete).toBe(false);
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("malformed response: chunk data longer than its declared size");
    expect(obs.trailingGarbage?.toString()).toBe("def\r\n0\r\n\r\n");
  });

  it("records chunk extensions and trailers", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}5;name=val\r\nhello\r\n0;last\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n`);
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.end.kind).toBe("clean");
    expect(obs.chunks[0]?.ext).toBe("name=val");
    expect(obs.trailers).toEqual([
      ["X-Checksum", "abc"],
      ["X-Other", "1"],
    ]);
    expect(obs.terminatorSeen).toBe(true);
    expect(obs.terminatorAt).toBeDefined();
  });

  it("reports bytes written after a complete body (a false error marker after the terminator)", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}${chunk("data: [DONE]\n\n")}0\r\n\r\ndata: {"error":"late"}\n\n`);
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.end.kind).toBe("clean");
    expect(obs.terminatorSeen).toBe(true);
    expect(obs.trailingGarbage?.toString()).toBe('data: {"error":"late"}\n\n');
    expect(obs.end.detail).toContain("bytes after the complete response");
  });

  it("ends clean when the server keeps the connection open after a complete body, after a short linger", async () => {
    await using server = await startRawServer((socket) => {
      socket.write(`${HEAD_CHUNKED}${chunk("data: a\n\n")}0\r\n\r\n`);
    });
    const obs = await runProbe({ url: server.url, lingerMs: 100, idleTimeoutMs: 50, fetchView: false });
    expect(obs.end.kind).toBe("clean");
    expect(obs.end.detail).toBe("peer kept the connection open 100ms after the complete body");
    expect(obs.end.t).toBe(obs.terminatorAt);
    expect(obs.closedBy).toBe("probe");
    expect(obs.closedAt! - obs.end.t).toBeGreaterThanOrEqual(100 - EARLY_MS);
  });

  it("records a garbage status line as malformed instead of throwing", async () => {
    await using server = await startRawServer((socket) => {
      socket.end("SSH-2.0-OpenSSH_9.2\r\n");
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.response).toBeUndefined();
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("not an HTTP/1.x status line");
    expect(obs.trailingGarbage?.toString()).toBe("SSH-2.0-OpenSSH_9.2\r\n");
  });

  it("records an invalid Content-Length as malformed", async () => {
    await using server = await startRawServer((socket) => {
      socket.end("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.complete).toBe(false);
    expect(obs.end.detail).toContain('invalid Content-Length "5, 6"');
  });

  it("reports headers never sent (accept then FIN) and fetch's view of it", async () => {
    await using server = await startRawServer((socket) => {
      socket.end();
    });
    const obs = await runProbe({ url: server.url });
    expect(obs.response).toBeUndefined();
    expect(obs.reads).toHaveLength(0);
    expect(obs.end.kind).toBe("fin-mid-body");
    expect(obs.end.detail).toContain("headers never sent");
    expect(obs.fetchView.outcome).toBe("fetch-failed");
    expect(obs.fetchView.error).toBe("TypeError: fetch failed (cause: SocketError: other side closed)");
  });

  it("ends a hung server with its idle timeout, and with the total timeout", async () => {
    await using server = await startRawServer(async (socket) => {
      await writeSpaced(socket, [HEAD_CHUNKED, chunk("data: a\n\n")], 5);
      // then nothing, ever
    });
    const idle = await runProbe({ url: server.url, idleTimeoutMs: 200 });
    expect(idle.end.kind).toBe("timeout");
    expect(idle.end.detail).toMatch(/^idle: no byte for 200ms; between chunks/);
    expect(idle.end.t - idle.reads.at(-1)!.t).toBeGreaterThanOrEqual(200 - EARLY_MS);
    expect(idle.closedBy).toBe("probe");
    expect(idle.fetchView.outcome).toBe("aborted");
    expect(idle.fetchView.bodyBytes).toBe(9);
    const total = await runProbe({ url: server.url, timeoutMs: 300, fetchView: false });
    expect(total.end.kind).toBe("timeout");
    expect(total.end.detail).toContain("total timeout 300ms");
    expect(total.end.t - total.startedAt).toBeGreaterThanOrEqual(300 - EARLY_MS);
    const gone = await server.connections[1]!.clientGone;
    expect(gone.how).toBe("fin");
  });

  it("reports a refused connection with its code, and fetch's view of one", async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, LOOPBACK, () => resolve()));
    const port = portOf(closed as unknown as Server);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const obs = await runProbe({ url: `http://${LOOPBACK}:${port}/` });
    expect(obs.end.kind).toBe("connect-failed");
    expect(obs.end.detail).toMatch(/^ECONNREFUSED/);
    expect(obs.connectedAt).toBeUndefined();
    expect(obs.fetchView.outcome).toBe("fetch-failed");
    expect(obs.fetchView.errorCode).toBe("ECONNREFUSED");
  });

  it("decodes a 90 KB body arriving in many reads", async () => {
    const payload = "x".repeat(90 * 1024);
    await using server = await startRawServer((socket) => {
      socket.end(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${chunk(payload)}0\r\n\r\n`);
    });
    const obs = await runProbe({ url: server.url });
    expect(obs.end.kind).toBe("clean");
    expect(obs.body.length).toBe(payload.length);
    expect(obs.chunks).toHaveLength(1);
    expect(obs.chunks[0]!.size).toBe(payload.length);
    expect(obs.text).toBe(payload);
    expect(obs.fetchView).toMatchObject({ outcome: "complete", bodyBytes: payload.length });
  });

  it("keeps a multibyte UTF-8 character whole when it is split across reads", async () => {
    const euro = Buffer.from("€", "utf8");
    await using server = await startRawServer(async (socket) => {
      const body = Buffer.concat([Buffer.from("data: 5"), euro, Buffer.from("\n\n")]);
      await writeSpaced(
        socket,
        [
          `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n`,
          body.subarray(0, 8),
          body.subarray(8),
        ],
        40,
      );
      socket.end();
    });
    const obs = await runProbe({ url: server.url, fetchView: false });
    expect(obs.bodyReads.length).toBeGreaterThanOrEqual(2);
    expect(obs.text).toBe("data: 5€\n\n");
    expect(obs.text).not.toContain("\uFFFD");
    expect(obs.sse.events.map((e) => e.data)).toEqual(["5€"]);
  });

  it("reads a 10 MB body of 10 240 chunks in linear time (a per-chunk body concat would time out)", async () => {
    const piece = Buffer.alloc(1024, 0x61);
    const framed = Buffer.concat([
      Buffer.from(`${piece.length.toString(16)}\r\n`),
      piece,
      Buffer.from("\r\n"),
    ]);
    const count = 10_240;
    const batch = Buffer.concat(Array.from({ length: 256 }, () => framed));
    await using server = await startRawServer(async (socket) => {
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (let i = 0; i < count / 256; i++) {
        if (!socket.write(batch)) await new Promise((r) => socket.once("drain", r));
      }
      socket.end("0\r\n\r\n");
    });
    const obs = await runProbe({ url: server.url, fetchView: false, sse: "never" });
    expect(obs.end.kind).toBe("clean");
    expect(obs.chunks).toHaveLength(count);
    expect(obs.body.length).toBe(count * piece.length);
    expect(obs.reads.length).toBeGreaterThan(50);
  }, 15_000);
});

describe("runProbe: the client hanging up on purpose", () => {
  const streamForever = async (socket: import("node:net").Socket) => {
    socket.write(HEAD_CHUNKED);
    for (let i = 0; i < 200 && !socket.destroyed && socket.writable; i++) {
      socket.write(chunk(`data: ${i}\n\n`));
      await new Promise((r) => setTimeout(r, 15));
    }
  };

  it("hangs up after N events with a FIN, and the server sees the FIN", async () => {
    await using server = await startRawServer(streamForever);
    const obs = await runProbe({ url: server.url, disconnect: { afterEvents: 3 } });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect?.reason).toBe("after 3 SSE events");
    expect(obs.sse.events.length).toBeGreaterThanOrEqual(3);
    expect(obs.sse.events[2]!.t).toBeLessThanOrEqual(obs.disconnect!.t);
    const gone = await server.connections[0]!.clientGone;
    expect(gone.how).toBe("fin");
    expect(gone.t).toBeGreaterThanOrEqual(obs.disconnect!.t);
    expect(obs.closedBy).toBe("probe");
    expect(obs.fetchView.outcome).toBe("aborted");
    expect(obs.fetchView.error).toContain("AbortError");
  });

  it("ends clean, without a disconnect, when the stream finishes before the Nth event", async () => {
    await using server = await startRawServer((socket) => {
      socket.end(`${HEAD_CHUNKED}${chunk("data: a\n\n")}0\r\n\r\n`);
    });
    const obs = await runProbe({ url: server.url, disconnect: { afterEvents: 5 }, fetchView: false });
    expect(obs.end.kind).toBe("clean");
    expect(obs.disconnect).toBeUndefined();
  });

  it("counts bytes a server keeps streaming after our FIN", async () => {
    await using server = await startRawServer(streamForever, { ignoreClientFin: true });
    const obs = await runProbe({
      url: server.url,
      disconnect: { afterEvents: 1 },
      lingerMs: 300,
      fetchView: false,
    });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.bytesAfterEnd).toBeGreaterThan(0);
    expect(obs.closedAt! - obs.disconnect!.t).toBeGreaterThanOrEqual(300 - EARLY_MS);
  });

  it("hangs up with an RST when asked, and the server sees ECONNRESET", async () => {
    await using server = await startRawServer(streamForever);
    const obs = await runProbe({
      url: server.url,
      disconnect: { afterEvents: 1, mode: "rst" },
      fetchView: false,
    });
    expect(obs.end.kind).toBe("client-disconnect");
    const gone = await server.connections[0]!.clientGone;
    expect(gone.how).toBe("rst");
  });

  it("hangs up after N ms", async () => {
    await using server = await startRawServer(streamForever);
    const obs = await runProbe({ url: server.url, disconnect: { afterMs: 120 }, fetchView: false });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect!.t - obs.connectedAt!).toBeGreaterThanOrEqual(120 - EARLY_MS);
    expect(obs.sse.events.length).toBeGreaterThanOrEqual(1);
    expect((await server.connections[0]!.clientGone).how).toBe("fin");
  });

  it("hangs up after N body bytes", async () => {
    await using server = await startRawServer(streamForever);
    const obs = await runProbe({ url: server.url, disconnect: { afterBytes: 20 }, fetchView: false });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect?.reason).toMatch(/^after \d+ body bytes$/);
    expect(obs.body.length).toBeGreaterThanOrEqual(20);
  });

  it("hangs up before the first byte and a node:http server sees the request close", async () => {
    let sawClose: () => void = () => {};
    const closed = new Promise<void>((resolve) => {
      sawClose = resolve;
    });
    await using server = await startHttp((req, res) => {
      res.on("close", () => sawClose());
      // Answer late, after the client has already gone.
      setTimeout(() => {
        if (!res.destroyed) res.end("late");
      }, 2000).unref();
      req.resume();
    });
    const obs = await runProbe({
      url: `http://${LOOPBACK}:${portOf(server)}/`,
      disconnect: { beforeFirstByte: true },
    });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect?.reason).toBe("before the first response byte");
    expect(obs.reads).toHaveLength(0);
    await closed;
    expect(obs.fetchView.outcome).toBe("aborted");
  });

  it("stops on an abort signal", async () => {
    await using server = await startRawServer(streamForever);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("scenario over")), 80);
    const obs = await runProbe({ url: server.url, signal: controller.signal, fetchView: false });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect?.reason).toContain("scenario over");
  });
});

describe("runProbe: resources", () => {
  it("leaves no socket or server behind after probing, hanging up and replaying", async () => {
    const tcp = () =>
      process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap" || r === "TCPSocketWrap").length;
    const before = tcp();
    {
      await using server = await startRawServer((socket) => {
        socket.write(`${HEAD_CHUNKED}${chunk("data: a\n\n")}`);
      });
      await runProbe({ url: server.url, disconnect: { afterEvents: 1 } });
      await runProbe({ url: server.url, idleTimeoutMs: 100 });
    }
    for (let i = 0; i < 50 && tcp() > before; i++) await new Promise((r) => setTimeout(r, 10));
    // Earlier tests' handles may still be closing when `before` is taken, so compare with at most.
    expect(tcp()).toBeLessThanOrEqual(before);
  });
});

describe("runProbe: options", () => {
  it("rejects a non-http URL and a disconnect without trigger as user errors", async () => {
    await expect(runProbe({ url: "https://127.0.0.1:1/" })).rejects.toMatchObject({ code: "PROBE_BAD_URL" });
    await expect(runProbe({ url: "not a url" })).rejects.toMatchObject({ code: "PROBE_BAD_URL" });
    await expect(runProbe({ url: "http://127.0.0.1:1/", disconnect: {} })).rejects.toMatchObject({
      code: "PROBE_BAD_OPTION",
    });
    await expect(
      runProbe({ url: "http://127.0.0.1:1/", headers: { "X-A": "a\r\nb" } }),
    ).rejects.toMatchObject({
      code: "PROBE_BAD_OPTION",
    });
    await expect(runProbe({ url: "http://127.0.0.1:1/", idleTimeoutMs: -1 })).rejects.toMatchObject({
      code: "PROBE_BAD_OPTION",
    });
  });
});
