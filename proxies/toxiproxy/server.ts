import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { UserError } from "../../lib/errors.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import { hostPort, LOOPBACK, portInUseError } from "../../lib/net.ts";
import { ApiError } from "./api/api-error.ts";
import { goString } from "./api/go-json.ts";
import { newRequestId } from "./api/request-id.ts";
import { matchRoutes } from "./api/routes.ts";
import { DEFAULT_HOT_LOOP_MS, HotLoop, isHotLoopWindow } from "./hot-loop.ts";
import { ProxyCollection } from "./proxy-collection.ts";
import type { TapOptions } from "./taps/tap-types.ts";

export interface ToxiproxyServerOptions {
  /** Interface for the HTTP API; default 127.0.0.1. */
  host?: string;
  /** API port; default 8474 (upstream's), 0 for any free one. */
  port?: number;
  /**
   * How long the event loop keeps polling after proxied bytes moved, in ms (see HotLoop); default
   * 0.2, enough for a loopback round trip. 0 lets the process sleep as soon as it is idle, which
   * saves a little CPU and adds ~0.2 ms per hop on machines with a slow idle wake-up.
   */
  hotLoopMs?: number;
  /**
   * Record every proxied connection (an extension, off by default: real Toxiproxy has no taps):
   * both directions' bytes with times and how each side ended, read through
   * `GET /proxies/{name}/taps`. `true` for the default budget (4 MiB per connection, 64 MiB per proxy).
   */
  taps?: boolean | TapOptions;
}

export interface StartedToxiproxyServer extends AsyncDisposable {
  /** e.g. `http://127.0.0.1:8474`, what `new Toxiproxy(url)` and TOXIPROXY_URL take. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Starts an in-process server that answers Toxiproxy 2.12's HTTP API byte for byte and runs its
 * proxies and toxics, so toxiproxy-node-client, toxiproxy-cli and users' scripts work unchanged.
 * Disposing closes the API, every proxy listener and every proxied connection.
 */
export async function startToxiproxyServer(
  options: ToxiproxyServerOptions = {},
): Promise<StartedToxiproxyServer> {
  const host = options.host ?? LOOPBACK;
  const requestedPort = options.port ?? 8474;
  const hotLoopMs = options.hotLoopMs ?? DEFAULT_HOT_LOOP_MS;
  if (!isHotLoopWindow(hotLoopMs)) {
    throw new UserError("TOXIPROXY_BAD_OPTION", {
      what: `hotLoopMs ${hotLoopMs} is not a usable polling window`,
      why: "it must be a number of milliseconds from 0 (never poll) to 1000",
      fix: "Leave it out for the default (0.2 ms), or pass e.g. 0 or 0.5.",
    });
  }
  const taps = options.taps === true ? {} : options.taps || undefined;
  if (taps) checkTapOptions(taps);
  const proxies = new ProxyCollection(new HotLoop(hotLoopMs), taps);
  const server = createServer({ keepAlive: true }, (request, response) => {
    handle(proxies, request, response).catch(() => {
      // The client went away mid-request (reset while sending its body): nothing left to answer.
      response.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(requestedPort, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const subject = "Cannot start the Toxiproxy API";
    const instead = "pick another port (--port 0 lets the system choose one)";
    if (code === "EADDRINUSE") {
      // Often a real toxiproxy-server, or another streamchaos: /proc usually says which.
      throw portInUseError({
        code: "TOXIPROXY_LISTEN_FAILED",
        subject,
        host,
        port: requestedPort,
        instead,
        cause: error,
      });
    }
    if (code === "EACCES" || code === "EADDRNOTAVAIL") {
      throw new UserError("TOXIPROXY_LISTEN_FAILED", {
        what: `${subject} on ${hostPort(host, requestedPort)}`,
        why: `${code}: ${(error as Error).message}`,
        fix: `Check --host, or ${instead}.`,
        cause: error,
      });
    }
    throw error;
  }
  const address = server.address();
  const port = address !== null && typeof address === "object" ? address.port : requestedPort;
  let disposed = false;
  const started: StartedToxiproxyServer = {
    url: `http://${hostPort(host, port)}`,
    host,
    port,
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      untrack();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await proxies.clear();
      await closed;
    },
  };
  const untrack = trackLive(started);
  return started;
}

function checkTapOptions(taps: TapOptions): void {
  for (const [name, value] of Object.entries(taps)) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw new UserError("TOXIPROXY_BAD_OPTION", {
        what: `taps.${name} ${value} is not a byte count`,
        why: "it must be a whole number of bytes, 0 or more (0 keeps ends, counts and times but no bytes)",
        fix: "Leave it out for the default, or pass e.g. 4194304.",
      });
    }
  }
}

async function handle(
  proxies: ProxyCollection,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  let path: string;
  let query: URLSearchParams;
  try {
    const url = new URL(request.url ?? "/", "http://x");
    path = decodeURIComponent(url.pathname);
    query = url.searchParams;
  } catch {
    return send(response, { status: 400, body: "400 Bad Request", contentType: "text/plain; charset=utf-8" });
  }
  const { candidates } = matchRoutes(path);
  if (candidates.length === 0) {
    return sendPlain(response, 404, "404 page not found\n");
  }
  const matched = candidates.find(({ route }) => route.methods.includes(request.method ?? ""));
  if (!matched) return send(response, { status: 405 });
  // Upstream's middleware order: request id first, then the browser guard, then the handler.
  response.setHeader("X-Toxiproxy-Request-Id", newRequestId());
  if ((request.headers["user-agent"] ?? "").startsWith("Mozilla/")) {
    return sendPlain(response, 403, "User agent not allowed\n");
  }
  try {
    const result = await matched.route.handler({
      params: matched.params,
      query,
      body: Buffer.concat(chunks).toString("utf8"),
      proxies,
    });
    send(response, result);
  } catch (error) {
    const status = error instanceof ApiError ? error.status : 500;
    const message = error instanceof Error ? error.message : String(error);
    sendPlain(response, status, `{"error":${goString(message)},"status":${status}}\n`);
  }
}

/** Go's http.Error: plain text, nosniff, the message plus a newline. */
function sendPlain(response: ServerResponse, status: number, body: string): void {
  response.setHeader("X-Content-Type-Options", "nosniff");
  send(response, { status, body, contentType: "text/plain; charset=utf-8" });
}

function send(
  response: ServerResponse,
  result: { status: number; body?: string; contentType?: string },
): void {
  if (result.contentType) response.setHeader("Content-Type", result.contentType);
  if (result.status === 204) {
    response.writeHead(204).end();
    return;
  }
  const body = Buffer.from(result.body ?? "", "utf8");
  response.setHeader("Content-Length", body.length);
  response.writeHead(result.status).end(body);
}
