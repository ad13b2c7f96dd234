import {
  createServer,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { UserError } from "../../../lib/errors.ts";
import { trackLive } from "../../../lib/lifecycle.ts";
import { hostPort, LOOPBACK } from "../../../lib/net.ts";
import type { ProviderName } from "../../journal-types.ts";
import { providers } from "../../providers/registry.ts";
import { readableTarget, unreadableTarget } from "../../request-target.ts";
import type { Cassette, EndHow } from "../cassette.ts";
import { CassetteDir } from "../cassette-dir.ts";
import { headerPairs } from "../redact.ts";
import { ExchangeRecording } from "./exchange.ts";
import { checkTarget, parseTarget, targetHost, targetPort } from "./target.ts";

export interface RecorderOptions {
  /** The provider's base URL every request is forwarded to; its path prefixes the forwarded paths. */
  target: string | URL;
  /** The folder cassettes are written to (created if missing). */
  out: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the system picks. */
  port?: number;
  /** How long the startup check waits for the target's TCP connection and HTTP answer; default 5000. */
  checkTimeoutMs?: number;
  /** Called as each cassette is written. */
  onSaved?(saved: SavedCassette): void;
  /** Called when a cassette could not be written (disk full...); the proxying goes on. */
  onSaveError?(error: unknown, number: number): void;
}

export interface SavedCassette {
  number: number;
  file: string;
  cassette: Cassette;
}

export interface StartedRecorder extends AsyncDisposable {
  /** Where the backend sends its requests, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  readonly port: number;
  readonly target: URL;
  readonly dir: string;
  /**
   * What a backend puts in its base-URL setting for `provider`, or undefined when this target
   * cannot serve that provider's paths (a target with path /v1 has no room for Anthropic's SDK,
   * which adds /v1 itself).
   */
  baseUrl(provider: ProviderName): string | undefined;
  saved(): readonly SavedCassette[];
  /** Exchanges still streaming. */
  inFlight(): number;
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not the message: a proxy drops
 * them and frames each side itself. Everything else is forwarded as sent, case and order kept.
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
]);

function forwardable(raw: readonly string[], replaceHost?: string): string[] {
  const named = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === "connection") {
      for (const token of raw[i + 1]!.split(",")) named.add(token.trim().toLowerCase());
    }
  }
  const out: string[] = [];
  let host = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower)) continue;
    host ||= lower === "host";
    out.push(raw[i]!, replaceHost !== undefined && lower === "host" ? replaceHost : raw[i + 1]!);
  }
  // An HTTP/1.0 client may send none; the target still needs to know which host it is asked for.
  if (replaceHost !== undefined && !host) out.unshift("Host", replaceHost);
  return out;
}

/**
 * A recording reverse proxy. Each request goes to the target as sent (Host aside); each upstream
 * write goes to the client as it arrives, one chunk per write, and into the exchange's recording
 * with its arrival time. When an exchange ends its cassette is written; on dispose (Ctrl-C) the
 * exchanges still streaming are written as cut short before any socket is closed.
 *
 * node:http rather than undici for the upstream side: it hands over each upstream chunk as its own
 * `data` event (the write boundaries the cassette keeps), the raw header list with case, order and
 * repeats, and a response object whose premature close says the upstream hung up mid-body, which
 * the proxy then mirrors by cutting the client's response the same way.
 */
class Recorder implements StartedRecorder {
  readonly target: URL;
  readonly #dir: CassetteDir;
  readonly #options: RecorderOptions;
  readonly #server: Server;
  readonly #agent: HttpAgent;
  readonly #inFlight = new Set<ExchangeRecording>();
  readonly #saving = new Set<Promise<void>>();
  readonly #saved: SavedCassette[] = [];
  readonly #prefix: string;
  #host = LOOPBACK;
  #port = 0;
  #disposing: Promise<void> | undefined;
  #untrack: () => void = () => {};

  constructor(target: URL, dir: CassetteDir, options: RecorderOptions) {
    this.target = target;
    this.#dir = dir;
    this.#options = options;
    this.#prefix = target.pathname.replace(/\/+$/, "");
    this.#agent =
      target.protocol === "https:" ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
    this.#server = createServer((req, res) => this.#onRequest(req, res));
    this.#server.on("clientError", (_error, socket) => socket.destroy());
  }

  get url(): string {
    return `http://${hostPort(this.#host, this.#port)}`;
  }
  get port(): number {
    return this.#port;
  }
  get dir(): string {
    return this.#dir.path;
  }

  baseUrl(provider: ProviderName): string | undefined {
    const path = providers[provider].baseUrlPath;
    if (this.#prefix === "") return `${this.url}${path}`;
    if (path === this.#prefix || path.startsWith(`${this.#prefix}/`)) {
      return `${this.url}${path.slice(this.#prefix.length)}`;
    }
    return undefined;
  }

  saved(): readonly SavedCassette[] {
    return this.#saved;
  }

  inFlight(): number {
    return this.#inFlight.size;
  }

  async listen(host: string, port: number): Promise<void> {
    this.#host = host;
    this.#port = await new Promise<number>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => {
        this.#server.off("error", reject);
        resolve((this.#server.address() as AddressInfo).port);
      });
    });
    this.#untrack = trackLive(this);
  }

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    // A request on a kept-alive connection while stopping: not recorded, not forwarded.
    if (this.#disposing) {
      res.writeHead(503, { connection: "close", "content-length": 0 }).end();
      return;
    }
    const incoming = readableTarget(req.url ?? "/");
    if (incoming === undefined) {
      // Nothing is forwarded or recorded.
      const text = `streamchaos record: ${unreadableTarget(req.url)}\n`;
      res.writeHead(400, {
        "content-type": "text/plain; charset=utf-8",
        "content-length": Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    const path = `${this.#prefix}${incoming.pathname}`;
    const headers = forwardable(req.rawHeaders, this.target.host);
    const exchange = new ExchangeRecording(this.#dir.next(), {
      method: req.method ?? "GET",
      path,
      query: incoming.search.replace(/^\?/, ""),
      headers: headerPairs(headers),
    });
    this.#inFlight.add(exchange);
    const upstream = (this.target.protocol === "https:" ? httpsRequest : httpRequest)({
      host: targetHost(this.target),
      port: targetPort(this.target),
      method: req.method,
      path: `${path}${incoming.search}`,
      headers,
      setHost: false,
      agent: this.#agent,
    });
    req.on("data", (chunk: Buffer) => exchange.requestBody(chunk));
    req.pipe(upstream);
    req.on("error", () => {});
    res.on("error", () => {});

    upstream.on("response", (response) => this.#relay(exchange, response, res));
    upstream.on("error", (error) => {
      if (exchange.ended) return;
      if (res.headersSent) {
        this.#end(exchange, "upstream-closed", error);
        cutAfterFlush(res);
        return;
      }
      this.#end(exchange, "upstream-error", error);
      const body = `${JSON.stringify({
        error: {
          message: `streamchaos record: the target ${this.target.href} did not answer: ${(error as NodeJS.ErrnoException).code ?? error.message}`,
          type: "streamchaos_record_error",
        },
      })}\n`;
      res.writeHead(502, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
    // The client left first: cancel the upstream call, as a real client's hang-up would.
    res.on("close", () => {
      if (exchange.ended || res.writableFinished) return;
      this.#end(exchange, "client-closed");
      upstream.destroy();
    });
  }

  #relay(exchange: ExchangeRecording, response: IncomingMessage, res: ServerResponse): void {
    exchange.responseHead(
      response.statusCode ?? 0,
      response.statusMessage ?? "",
      headerPairs(response.rawHeaders),
    );
    res.writeHead(response.statusCode ?? 502, response.statusMessage, forwardable(response.rawHeaders));
    // Headers leave now, not with the first body byte: a slow first token must not look like a hang.
    res.flushHeaders();
    response.on("data", (chunk: Buffer) => {
      // Ended (cut short by a stop): the client gets no byte the cassette does not have.
      if (exchange.ended) return;
      exchange.responseWrite(chunk);
      if (!res.write(chunk)) {
        response.pause();
        res.once("drain", () => response.resume());
      }
    });
    response.on("end", () => {
      res.end();
      this.#end(exchange, "complete");
    });
    // Closed before its end: the upstream hung up mid-body. The client's response is cut the same
    // way (no terminating chunk), so the backend sees what it would have seen without us.
    response.on("close", () => {
      if (response.complete || exchange.ended) return;
      this.#end(exchange, "upstream-closed", response.errored ?? new Error("upstream closed mid-body"));
      cutAfterFlush(res);
    });
    response.on("error", () => {});
  }

  #end(exchange: ExchangeRecording, how: EndHow, error?: unknown): void {
    if (!exchange.end(how, error)) return;
    this.#inFlight.delete(exchange);
    const cassette = exchange.toCassette(this.target.href);
    const saving = this.#dir
      .save(exchange.number, cassette, exchange.path)
      .then((file) => {
        const saved = { number: exchange.number, file, cassette };
        this.#saved.push(saved);
        this.#options.onSaved?.(saved);
      })
      .catch((saveError: unknown) => this.#options.onSaveError?.(saveError, exchange.number))
      .finally(() => this.#saving.delete(saving));
    this.#saving.add(saving);
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.#disposing ??= this.#dispose();
    return this.#disposing;
  }

  async #dispose(): Promise<void> {
    this.#server.close();
    // Written before any socket is torn down, so what was in flight is saved as it stood.
    for (const exchange of [...this.#inFlight]) this.#end(exchange, "cut-short");
    await Promise.all([...this.#saving]);
    this.#server.closeAllConnections();
    this.#agent.destroy();
    this.#untrack();
  }
}

/**
 * Hangs up on the client without the terminating chunk, once the last relayed write has left: http
 * corks the socket for each chunk until the next tick, so destroying at once would drop it.
 */
function cutAfterFlush(res: ServerResponse): void {
  setImmediate(() => res.destroy());
}

/**
 * Starts a recorder: checks the folder can be written and the target answers HTTP (each failure a
 * UserError with the fix), then listens.
 */
export async function startRecorder(options: RecorderOptions): Promise<StartedRecorder> {
  const target = parseTarget(options.target);
  const dir = await CassetteDir.open(options.out);
  await checkTarget(target, options.checkTimeoutMs ?? 5_000);
  const recorder = new Recorder(target, dir, options);
  const host = options.host ?? LOOPBACK;
  const port = options.port ?? 0;
  try {
    await recorder.listen(host, port);
  } catch (error) {
    await recorder[Symbol.asyncDispose]();
    throw new UserError("RECORD_LISTEN_FAILED", {
      what: `The recorder could not listen on ${hostPort(host, port)}`,
      why: `${(error as NodeJS.ErrnoException).code ?? ""} ${error instanceof Error ? error.message : String(error)}`.trim(),
      fix: "Pick another --port, or 0 to let the system choose.",
      cause: error,
    });
  }
  return recorder;
}
