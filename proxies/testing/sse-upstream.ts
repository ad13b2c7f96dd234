import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { LOOPBACK } from "../../lib/net.ts";

/**
 * A tiny upstream for edge tests, steered by the query string:
 * `/sse?events=8&interval=300&type=text/event-stream&length=1&accel=no&crashAfter=2&stallAfter=2`
 * - length=1: send Content-Length (the body is known up front, so events are pre-rendered)
 * - crashAfter=N: destroy the socket after N events (no terminator; the edge sees a FIN)
 * - resetAfter=N: reset the socket after N events (no terminator; the edge sees an RST)
 * - stallAfter=N: stop writing after N events and keep the connection open
 * - done=1: end a complete stream with `data: [DONE]` (the done signal a semantic check looks for)
 * - retry=MS: start with `retry: MS` (how soon an EventSource reconnects)
 * - before=crash|stall: destroy the socket / never answer, before any header
 * (done and retry add bytes that length=1 does not count: do not combine them.)
 */
export interface SseUpstream extends AsyncDisposable {
  host: string;
  port: number;
  /** Requests seen, with the request line and headers the edge sent. */
  requests: Array<{ httpVersion: string; url: string; headers: IncomingMessage["headers"] }>;
}

export function sseEvent(i: number): string {
  return `id: ${i}\ndata: {"n":${i},"text":"token ${i}"}\n\n`;
}

export async function startSseUpstream(): Promise<SseUpstream> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: SseUpstream["requests"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ httpVersion: req.httpVersion, url: req.url ?? "", headers: req.headers });
    const q = new URL(req.url ?? "/", "http://x").searchParams;
    if (q.get("before") === "crash") {
      req.socket.destroy();
      return;
    }
    if (q.get("before") === "stall") return;
    const events = Number(q.get("events") ?? 8);
    const interval = Number(q.get("interval") ?? 300);
    const crashAfter = q.has("crashAfter") ? Number(q.get("crashAfter")) : undefined;
    const resetAfter = q.has("resetAfter") ? Number(q.get("resetAfter")) : undefined;
    const stallAfter = q.has("stallAfter") ? Number(q.get("stallAfter")) : undefined;
    const headers: Record<string, string> = {
      "content-type": q.get("type") ?? "text/event-stream",
      "cache-control": "no-cache",
    };
    if (q.get("accel")) headers["x-accel-buffering"] = q.get("accel")!;
    if (q.get("length") === "1") {
      let body = "";
      for (let i = 0; i < events; i++) body += sseEvent(i);
      headers["content-length"] = String(Buffer.byteLength(body));
    }
    res.writeHead(200, headers);
    res.flushHeaders();
    if (q.has("retry")) res.write(`retry: ${Number(q.get("retry"))}\n\n`);
    let sent = 0;
    const tick = () => {
      if (crashAfter !== undefined && sent >= crashAfter) {
        req.socket.destroy();
        return;
      }
      if (resetAfter !== undefined && sent >= resetAfter) {
        req.socket.resetAndDestroy();
        return;
      }
      if (stallAfter !== undefined && sent >= stallAfter) return;
      res.write(sseEvent(sent++));
      // End with the last event, not one interval later: a keep-alive upstream connection is only
      // free for the proxy's next request once this response has ended.
      if (sent >= events) {
        res.end(q.get("done") === "1" ? "data: [DONE]\n\n" : undefined);
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        tick();
      }, interval);
      timers.add(timer);
    };
    tick();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("upstream has no port");
  return {
    host: LOOPBACK,
    port: address.port,
    requests,
    async [Symbol.asyncDispose]() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
