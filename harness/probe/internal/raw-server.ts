import { createServer, type Socket } from "node:net";
import { now } from "../../../lib/clock.ts";
import { trackLive } from "../../../lib/lifecycle.ts";
import { LOOPBACK } from "../../../lib/net.ts";

/** What the server saw of the client on one connection. */
export interface RawConnection {
  socket: Socket;
  request: Buffer;
  /** Resolves when the client side went away: `fin` (we got 'end'), `rst` (ECONNRESET), or `close`. */
  clientGone: Promise<{ how: "fin" | "rst" | "close"; t: number }>;
}

export interface RawServer extends AsyncDisposable {
  readonly port: number;
  readonly url: string;
  readonly connections: RawConnection[];
  /** Resolves with the nth connection (0-based) once its request head has arrived. */
  connection(index: number): Promise<RawConnection>;
}

/**
 * A TCP server on loopback that hands each connection to `respond` once the request head has arrived,
 * so tests (and the fetch replay's own tests) control every byte and every way of ending. It is a
 * test fixture for the probe: a node:http server cannot send a half chunk-size line or a bare CR.
 */
export async function startRawServer(
  respond: (socket: Socket, request: Buffer) => void | Promise<void>,
  options: { ignoreClientFin?: boolean } = {},
): Promise<RawServer> {
  const connections: RawConnection[] = [];
  const waiters = new Map<number, Array<(c: RawConnection) => void>>();
  const sockets = new Set<Socket>();
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    let gone: (v: { how: "fin" | "rst" | "close"; t: number }) => void = () => {};
    const clientGone = new Promise<{ how: "fin" | "rst" | "close"; t: number }>((resolve) => {
      gone = resolve;
    });
    socket.on("end", () => {
      gone({ how: "fin", t: now() });
      // Like a backend that never notices the client left, when asked to.
      if (!options.ignoreClientFin && !socket.writableEnded) socket.end();
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      gone({ how: error.code === "ECONNRESET" ? "rst" : "close", t: now() }),
    );
    socket.on("close", () => gone({ how: "close", t: now() }));
    const parts: Buffer[] = [];
    const onData = (data: Buffer) => {
      parts.push(data);
      const request = Buffer.concat(parts);
      const headEnd = request.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(request.subarray(0, headEnd).toString("latin1"));
      if (length && request.length < headEnd + 4 + Number(length[1])) return;
      socket.off("data", onData);
      // Keep draining so a client close is seen as FIN, not hidden behind unread data.
      socket.on("data", () => {});
      const connection: RawConnection = { socket, request, clientGone };
      const index = connections.push(connection) - 1;
      for (const w of waiters.get(index) ?? []) w(connection);
      waiters.delete(index);
      void Promise.resolve(respond(socket, request)).catch(() => socket.destroy());
    };
    socket.on("data", onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("raw server has no port");
  const handle: RawServer = {
    port: address.port,
    url: `http://${LOOPBACK}:${address.port}`,
    connections,
    connection(index) {
      const existing = connections[index];
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve) => {
        const list = waiters.get(index) ?? [];
        list.push(resolve);
        waiters.set(index, list);
      });
    },
    async [Symbol.asyncDispose]() {
      untrack();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const untrack = trackLive(handle);
  return handle;
}

/** Writes each piece as its own write, waiting `gapMs` between them so they arrive as separate reads. */
export async function writeSpaced(
  socket: Socket,
  pieces: Array<string | Buffer>,
  gapMs: number,
): Promise<void> {
  for (let i = 0; i < pieces.length; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
    if (socket.destroyed) return;
    await new Promise<void>((resolve) => socket.write(pieces[i]!, () => resolve()));
  }
}
