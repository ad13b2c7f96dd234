/**
 * What Next.js does around a route handler, reduced to what incident 000 turned on: the request
 * becomes a `Request`, the handler's `Response` is piped to Node's response, and the status line
 * goes out with the first body chunk (Node writes headers lazily). When the body stream fails, Next
 * logs `Error: failed to pipe response` with the cause chain (here `TypeError: terminated` ←
 * `SocketError: other side closed`, with the socket's `bytesRead`) and drops the connection: before
 * any chunk that is a close without a response, which nginx answers with a 502 ("upstream
 * prematurely closed connection while reading response header from upstream").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { inspect } from "node:util";
import type { FrontendConfig } from "./config.ts";
import { fixedRoute, naiveRoute } from "./routes.ts";

const MAX_BODY_BYTES = 1024 * 1024;
/** Framing and connection headers belong to each hop, not to the relayed response. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "content-encoding",
]);

export function createFrontend(config: FrontendConfig): Server {
  const route = config.mode === "naive" ? naiveRoute : fixedRoute;
  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      process.stderr.write(`${inspect(error)}\n`);
      if (!res.headersSent) res.writeHead(500).end("Internal Server Error");
      else res.destroy();
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/health" && req.method === "GET") return json(res, 200, { ok: true });
    if (!path.startsWith("/api/proxy/")) return json(res, 404, { detail: `no route ${path}` });
    if (req.method !== "POST") return json(res, 405, { detail: `${path} takes POST` });
    const client = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) client.abort(new Error("the client disconnected"));
    });
    const request = new Request(`http://${req.headers.host ?? "frontend"}${req.url ?? "/"}`, {
      method: "POST",
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      body: await readBody(req),
      signal: client.signal,
    });
    let response: Response;
    try {
      response = await route(request, config.backendUrl);
    } catch (error) {
      if (client.signal.aborted) return;
      throw error; // Next answers a throwing handler with a 500
    }
    await pipeToNodeResponse(response, res, client.signal);
  }

  return server;
}

async function pipeToNodeResponse(
  response: Response,
  res: ServerResponse,
  aborted: AbortSignal,
): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) res.setHeader(name, value);
  });
  if (response.body === null) {
    res.end();
    return;
  }
  try {
    for await (const chunk of response.body) {
      if (!res.write(chunk)) await drained(res);
    }
    res.end();
  } catch (cause) {
    if (aborted.aborted) return;
    // next/src/server/pipe-readable.ts: `throw new Error('failed to pipe response', { cause: err })`.
    // Deep enough to show the socket's bytesRead, as the incident's log did.
    process.stderr.write(`${inspect(new Error("failed to pipe response", { cause }), { depth: 4 })}\n`);
    res.destroy();
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return req.destroy(new Error("request body too large"));
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(text)),
  });
  res.end(text);
}
