import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { now } from "../../../lib/clock.ts";
import { LOOPBACK } from "../../../lib/net.ts";

/**
 * An upstream that answers every request with the same scripted writes, each after its gap, and
 * notes when each left: what the recorder must keep write for write. `end: "destroy"` hangs up
 * after the last write without the terminating chunk (a provider dying mid-body).
 */
export interface ScriptedResponse {
  status?: number;
  headers: Record<string, string>;
  writes: ReadonlyArray<{ bytes: string | Buffer; gapMs?: number }>;
  end?: "end" | "destroy";
}

export interface ScriptedUpstream extends AsyncDisposable {
  url: string;
  requests: Array<{ method: string; url: string; rawHeaders: string[]; body: Buffer }>;
  /** When each write was handed to the socket, per request. */
  written: number[][];
}

export async function startScriptedUpstream(response: ScriptedResponse): Promise<ScriptedUpstream> {
  const sockets = new Set<Socket>();
  const requests: ScriptedUpstream["requests"] = [];
  const written: number[][] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    requests.push({
      method: req.method ?? "",
      url: req.url ?? "",
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks),
    });
    const times: number[] = [];
    written.push(times);
    res.writeHead(response.status ?? 200, response.headers);
    res.flushHeaders();
    for (const write of response.writes) {
      if (write.gapMs) await new Promise((resolve) => setTimeout(resolve, write.gapMs));
      if (res.destroyed) return;
      res.write(write.bytes);
      times.push(now());
    }
    // After the last write has left (http corks each chunk until the next tick).
    if (response.end === "destroy") setImmediate(() => req.socket.destroy());
    else res.end();
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  return {
    url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}`,
    requests,
    written,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
