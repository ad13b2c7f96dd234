import {
  createSecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type SecureServerOptions,
  type ServerHttp2Stream,
} from "node:http2";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { now } from "../../../lib/clock.ts";
import { LOOPBACK } from "../../../lib/net.ts";
import type { RunCa } from "../../../runtime/tls/run-ca.ts";

/** What the server saw of one request stream. */
export interface H2ServerStream {
  stream: ServerHttp2Stream;
  headers: IncomingHttpHeaders;
  /** The TCP socket under the session's TLS, for tests that close (FIN) or reset (RST) the connection. */
  tcp: Socket;
  body: Promise<string>;
  /** Resolves with the stream's rstCode when it closes (8 = CANCEL when the client gave up). */
  closed: Promise<number>;
}

export interface H2TestServer extends AsyncDisposable {
  url: string;
  port: number;
  streams: H2ServerStream[];
  /** Resolves with the nth stream (0-based) once its headers arrived. */
  stream(index: number): Promise<H2ServerStream>;
}

/**
 * An HTTP/2 server over TLS (Node's, with the run CA's leaf) that hands each request stream to
 * `respond`, so probe tests script every way a stream can end: END_STREAM, RST_STREAM with a code,
 * GOAWAY, the connection closing or resetting.
 */
export async function startH2Server(
  ca: RunCa,
  respond: (s: H2ServerStream) => void | Promise<void>,
  options: Partial<SecureServerOptions> = {},
): Promise<H2TestServer> {
  const streams: H2ServerStream[] = [];
  const waiters = new Map<number, Array<(s: H2ServerStream) => void>>();
  const sockets = new Set<Socket>();
  const tcpByPort = new Map<number, Socket>();
  const sessions = new Set<Http2Session>();
  const server: Http2Server = createSecureServer({ cert: ca.certPem, key: ca.keyPem, ...options });
  // A TLSSocket's own handle is TLS, which cannot be reset; the TCP socket under it can.
  server.on("connection", (tcp: Socket) => {
    sockets.add(tcp);
    const port = tcp.remotePort!;
    tcpByPort.set(port, tcp);
    tcp.on("close", () => {
      sockets.delete(tcp);
      tcpByPort.delete(port);
    });
  });
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    stream.on("error", () => {});
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    const entry: H2ServerStream = {
      stream,
      headers,
      tcp: tcpByPort.get((stream.session!.socket as TLSSocket).remotePort!)!,
      body: new Promise((resolve) => stream.on("end", () => resolve(Buffer.concat(chunks).toString()))),
      closed: new Promise((resolve) => stream.on("close", () => resolve(stream.rstCode ?? 0))),
    };
    const index = streams.push(entry) - 1;
    for (const wake of waiters.get(index) ?? []) wake(entry);
    waiters.delete(index);
    void Promise.resolve(respond(entry)).catch(() => stream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://${LOOPBACK}:${port}`,
    port,
    streams,
    stream: (index) =>
      streams[index]
        ? Promise.resolve(streams[index])
        : new Promise((resolve) => waiters.set(index, [...(waiters.get(index) ?? []), resolve])),
    async [Symbol.asyncDispose]() {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Writes each piece `gapMs` apart (the first at once), resolving after the last with the time each
 * was handed to the stream: nothing can reach a client before its write.
 */
export async function writePaced(
  stream: ServerHttp2Stream,
  pieces: string[],
  gapMs: number,
): Promise<number[]> {
  const writtenAt: number[] = [];
  for (const [i, piece] of pieces.entries()) {
    if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
    if (stream.destroyed || stream.closed) break;
    writtenAt.push(now());
    stream.write(piece);
  }
  return writtenAt;
}
