import { UserError } from "../../lib/errors.ts";

/**
 * Counts the content pieces of a framing the probe does not parse itself (text reads, NDJSON
 * lines), for a disconnect trigger. The probe stays the source of truth for bytes and times: it
 * feeds the counter each body read, in order, and hangs up when the count is reached.
 */
export interface PieceCounter {
  /** What one piece is, for the hang-up reason: "text reads", "NDJSON lines". */
  readonly unit: string;
  /** Takes the next body read (de-chunked bytes as they arrived); returns the pieces counted so far. */
  push(bytes: Buffer): number;
}

/** The client hanging up on purpose, like a user closing the tab or pressing Stop. */
export interface ProbeDisconnect {
  /** After this many SSE events were dispatched (counted by eventsource-parser, whatever the Content-Type). */
  afterEvents?: number;
  /** After `count` pieces as `counter` counts them: the trigger for non-SSE framings. */
  afterPieces?: { count: number; counter: PieceCounter };
  /** After this many de-chunked body bytes. */
  afterBytes?: number;
  /** This long after the request was written. */
  afterMs?: number;
  /** Right after the request was written, before any response byte. */
  beforeFirstByte?: boolean;
  /**
   * `fin`: a normal close (what a browser tab does); `rst`: SO_LINGER 0 reset (a crashed client, a
   * killed proxy). On h2, `fin` cancels the stream with RST_STREAM(CANCEL), as a browser does when a
   * fetch is aborted, and the connection stays up; `rst` resets the whole TCP connection.
   */
  mode?: "fin" | "rst";
}

export interface ProbeOptions {
  /** `http://host:port/path?query`; the probe speaks plain HTTP/1.1 only. */
  url: string;
  method?: string;
  /** Sent as given, after Host. Content-Length is added for a body; `Connection: close` unless set here. */
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with `Content-Type: application/json` unless set). */
  body?: string | object;
  /** Total time for the whole exchange, default 60 000 ms. */
  timeoutMs?: number;
  /** No byte for this long ends the probe with kind "timeout". Default: only the total timeout applies. */
  idleTimeoutMs?: number;
  disconnect?: ProbeDisconnect;
  signal?: AbortSignal;
  /** Replay the bytes through undici fetch() (default true; h1 only: the h2 probe has no replay). */
  fetchView?: boolean;
  /** SSE view: `auto` when the response is text/event-stream (default), `always`, or `never`. */
  sse?: "auto" | "always" | "never";
  /**
   * After a complete body, how long to wait for the peer's FIN when we asked for `Connection: close`.
   * Only bytes sent after the terminator are learned this way (an error marker written after the
   * answer was complete). Default 250 ms; it never changes the end kind. On h2 (nothing can follow
   * END_STREAM) it is how long, after a hang-up, DATA still arriving on the stream is counted.
   */
  lingerMs?: number;
}

export interface ResolvedProbeOptions {
  url: URL;
  host: string;
  port: number;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  timeoutMs: number;
  idleTimeoutMs: number | undefined;
  disconnect: ProbeDisconnect | undefined;
  signal: AbortSignal | undefined;
  fetchView: boolean;
  sse: "auto" | "always" | "never";
  lingerMs: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function bad(what: string, why: string, fix: string): UserError {
  return new UserError("PROBE_BAD_OPTION", { what: `Probe option ${what} is invalid`, why, fix });
}

function checkMs(name: string, value: number | undefined, allowZero = false): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw bad(name, `got ${value}`, `Give ${name} as a positive number of milliseconds.`);
  }
}

/** `h1` speaks plain HTTP/1.1 (http:), `h2` HTTP/2 over TLS (https:). */
export function resolveProbeOptions(options: ProbeOptions, client: "h1" | "h2" = "h1"): ResolvedProbeOptions {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (cause) {
    throw new UserError("PROBE_BAD_URL", {
      what: `Probe URL ${JSON.stringify(options.url)} is not a URL`,
      fix: "Use http://host:port/path.",
      cause,
    });
  }
  if (client === "h1" && url.protocol !== "http:") {
    throw new UserError("PROBE_BAD_URL", {
      what: `Probe URL ${options.url} uses ${url.protocol}`,
      why: "the h1 probe writes plain HTTP/1.1 on a raw socket so that it sees chunk framing",
      fix: "Point it at the plain-HTTP listener, or use the h2 client for the TLS one.",
    });
  }
  if (client === "h2" && url.protocol !== "https:") {
    throw new UserError("PROBE_BAD_URL", {
      what: `h2 probe URL ${options.url} uses ${url.protocol}`,
      why: "the h2 probe speaks HTTP/2 over TLS (ALPN h2), as browsers reach an edge",
      fix: "Point it at the edge's TLS listener (https://...), started with `tls`.",
    });
  }
  const method = options.method ?? (options.body === undefined ? "GET" : "POST");
  if (!TOKEN.test(method))
    throw bad("method", `${JSON.stringify(method)} is not an HTTP token`, "Use e.g. GET or POST.");
  const headers = { ...(options.headers ?? {}) };
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name))
      throw bad("headers", `header name ${JSON.stringify(name)} is not a token`, "Fix the name.");
    if (/[\r\n\0]/.test(value)) {
      throw bad("headers", `header ${name} contains CR, LF or NUL`, "Remove line breaks from header values.");
    }
  }
  let body: string | undefined;
  if (typeof options.body === "string") body = options.body;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    if (!Object.keys(headers).some((n) => n.toLowerCase() === "content-type")) {
      headers["Content-Type"] = "application/json";
    }
  }
  checkMs("timeoutMs", options.timeoutMs);
  checkMs("idleTimeoutMs", options.idleTimeoutMs);
  checkMs("lingerMs", options.lingerMs, true);
  const d = options.disconnect;
  if (d) {
    for (const key of ["afterEvents", "afterBytes"] as const) {
      const v = d[key];
      if (v !== undefined && !(Number.isInteger(v) && v >= 0)) {
        throw bad(`disconnect.${key}`, `got ${v}`, `Give disconnect.${key} as a whole number >= 0.`);
      }
    }
    const pieces = d.afterPieces;
    if (pieces !== undefined) {
      if (!(Number.isInteger(pieces.count) && pieces.count >= 0)) {
        throw bad(
          "disconnect.afterPieces.count",
          `got ${pieces.count}`,
          "Give disconnect.afterPieces.count as a whole number >= 0.",
        );
      }
      if (typeof pieces.counter?.push !== "function") {
        throw bad(
          "disconnect.afterPieces.counter",
          "it has no push(bytes) method",
          "Pass a PieceCounter, e.g. from harness/contracts/pieces.ts.",
        );
      }
    }
    checkMs("disconnect.afterMs", d.afterMs, true);
    if (d.mode !== undefined && d.mode !== "fin" && d.mode !== "rst") {
      throw bad("disconnect.mode", `got ${JSON.stringify(d.mode)}`, 'Use "fin" or "rst".');
    }
    const triggers = [d.afterEvents, d.afterPieces, d.afterBytes, d.afterMs].filter(
      (v) => v !== undefined,
    ).length;
    if (triggers === 0 && !d.beforeFirstByte) {
      throw bad(
        "disconnect",
        "it names no trigger",
        "Set afterEvents, afterPieces, afterBytes, afterMs or beforeFirstByte.",
      );
    }
  }
  return {
    url,
    host: url.hostname.replace(/^\[|\]$/g, ""),
    port: url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80,
    method,
    headers,
    body,
    timeoutMs: options.timeoutMs ?? 60_000,
    idleTimeoutMs: options.idleTimeoutMs,
    disconnect: d,
    signal: options.signal,
    fetchView: options.fetchView ?? true,
    sse: options.sse ?? "auto",
    lingerMs: options.lingerMs ?? 250,
  };
}

/** The request exactly as written to the socket, and the header map recorded in the observation. */
export function buildRequest(o: ResolvedProbeOptions): { bytes: Buffer; headers: Record<string, string> } {
  const sent: Record<string, string> = {};
  const has = (name: string) => Object.keys(o.headers).some((n) => n.toLowerCase() === name);
  if (!has("host")) sent.Host = o.url.host;
  Object.assign(sent, o.headers);
  const bodyBytes = o.body === undefined ? undefined : Buffer.from(o.body, "utf8");
  if (!has("content-length") && !has("transfer-encoding")) {
    if (bodyBytes !== undefined) sent["Content-Length"] = String(bodyBytes.length);
    else if (["POST", "PUT", "PATCH"].includes(o.method.toUpperCase())) sent["Content-Length"] = "0";
  }
  // One exchange per connection: the end of the connection is part of what we observe.
  if (!has("connection")) sent.Connection = "close";
  const head =
    `${o.method} ${o.url.pathname}${o.url.search} HTTP/1.1\r\n` +
    Object.entries(sent)
      .map(([n, v]) => `${n}: ${v}\r\n`)
      .join("") +
    "\r\n";
  const headBytes = Buffer.from(head, "latin1");
  return { bytes: bodyBytes ? Buffer.concat([headBytes, bodyBytes]) : headBytes, headers: sent };
}
