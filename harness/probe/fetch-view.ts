import { createConnection, createServer, type Server, type Socket } from "node:net";
import { Agent, fetch } from "undici";
import { Teardown, trackLive } from "../../lib/lifecycle.ts";
import { LOOPBACK } from "../../lib/net.ts";
import type { ProbeObservation } from "./observation.ts";

type FetchView = ProbeObservation["fetchView"];

export interface ReplayInput {
  method: string;
  reads: ProbeObservation["reads"];
  end: ProbeObservation["end"];
  closedBy?: ProbeObservation["closedBy"];
  /** Guard against a replay that never settles; a real consumer would have hung too. Default 15 s. */
  timeoutMs?: number;
}

/**
 * What an undici `fetch()` consumer would have seen for the exact bytes the probe received: a tiny
 * server on loopback writes the recorded reads and then ends the way the original connection did
 * (FIN, RST, or our own hang-up, which becomes an abort of the fetch). Fetch's outcome for a cut
 * stream (`TypeError: terminated`, cause `SocketError: other side closed`) is the thing a browser-ish
 * client would show the user, so checks can tell "the UI shows an error" from "the UI hangs".
 */
export async function replayThroughFetch(input: ReplayInput): Promise<FetchView> {
  await using teardown = new Teardown();
  const untrack = trackLive(teardown);
  teardown.defer(untrack);
  const total = input.reads.reduce((n, r) => n + r.bytes.length, 0);
  const controller = new AbortController();
  let abortedByUs = false;
  const abort = () => {
    abortedByUs = true;
    controller.abort();
  };

  let clientSocket: Socket | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    if (input.end.kind === "connect-failed") {
      socket.destroy();
      return;
    }
    void serveReplay(socket);
  });
  teardown.defer(async () => {
    const closing = [...sockets].map(closed);
    for (const s of sockets) s.destroy();
    await Promise.all([...closing, new Promise<void>((resolve) => server.close(() => resolve()))]);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("replay server has no port");
  const port = address.port;
  if (input.end.kind === "connect-failed") {
    // Reproduce the refusal for real: a port nobody listens on any more.
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
    });
  }

  async function serveReplay(socket: Socket): Promise<void> {
    // Wait for the request head, so our bytes answer it rather than race it.
    await new Promise<void>((resolve) => {
      let seen = "";
      const onData = (d: Buffer) => {
        seen += d.toString("latin1");
        if (seen.includes("\r\n\r\n")) {
          socket.off("data", onData);
          resolve();
        }
      };
      socket.on("data", onData);
      socket.once("close", () => resolve());
    });
    for (const read of input.reads) {
      if (socket.destroyed) return;
      socket.write(read.bytes);
    }
    await caughtUp();
    if (socket.destroyed) return;
    const kind = input.end.kind;
    if (kind === "rst" || input.closedBy === "peer-rst") socket.resetAndDestroy();
    else if (kind === "timeout" || kind === "client-disconnect") abort();
    else socket.end();
  }

  /** RST and abort must come after the client has read every byte, as in the original. */
  function caughtUp(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        const s = clientSocket;
        if (
          controller.signal.aborted ||
          (s && (s.destroyed || (s.bytesRead >= total && s.readableLength === 0)))
        ) {
          resolve();
          return;
        }
        if (!teardown.disposed) setTimeout(check, 1);
      };
      check();
    });
  }

  const agent = new Agent({
    headersTimeout: 0,
    bodyTimeout: 0,
    connections: 1,
    pipelining: 0,
    connect: (_options, callback) => {
      // Our own connector, so we can see how many raw bytes undici has pulled off the socket.
      const socket = createConnection({ host: LOOPBACK, port });
      clientSocket = socket;
      let settled = false;
      socket.once("connect", () => {
        settled = true;
        callback(null, socket);
      });
      socket.once("error", (error) => {
        if (!settled) {
          settled = true;
          callback(error, null);
        }
      });
    },
  });
  teardown.defer(async () => {
    await agent.destroy();
    if (clientSocket) await closed(clientSocket);
  });

  const guard = setTimeout(abort, input.timeoutMs ?? 15_000);
  teardown.defer(() => clearTimeout(guard));

  const method = input.method.toUpperCase() === "HEAD" ? "HEAD" : "GET";
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    response = await fetch(`http://${LOOPBACK}:${port}/replay`, {
      method,
      dispatcher: agent,
      signal: controller.signal,
    });
  } catch (error) {
    return { outcome: abortedByUs ? "aborted" : "fetch-failed", ...describeError(error) };
  }
  let bodyBytes = 0;
  try {
    if (response.body) {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bodyBytes += value.byteLength;
      }
    }
    return { outcome: "complete", status: response.status, bodyBytes };
  } catch (error) {
    return {
      outcome: abortedByUs ? "aborted" : "terminated",
      status: response.status,
      bodyBytes,
      ...describeError(error),
    };
  }
}

function closed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once("close", () => resolve()));
}

/** `TypeError: terminated (cause: SocketError: other side closed)`, plus the first `code` in the chain. */
export function describeError(error: unknown): { error: string; errorCode?: string } {
  const parts: string[] = [];
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    if (current instanceof Error) {
      parts.push(`${current.name}: ${current.message}`);
      const c = (current as { code?: unknown }).code;
      if (code === undefined && typeof c === "string") code = c;
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  const text =
    parts.reduce((acc, part, i) => (i === 0 ? part : `${acc} (cause: ${part}`), "") +
    ")".repeat(Math.max(0, parts.length - 1));
  return code === undefined ? { error: text } : { error: text, errorCode: code };
}
