import { connect } from "node:net";
import { now } from "../../lib/clock.ts";

/**
 * A raw-socket HTTP/1.1 client for the fakes' golden tests: it sees the exact bytes, the chunk
 * framing and how the connection ended, which an HTTP client would hide.
 */
export interface RawResponse {
  status: number;
  reason: string;
  /** Header lines as sent, in order. */
  headerLines: string[];
  headers: Record<string, string>;
  /** The body with chunk framing removed (what the client would parse). */
  body: Buffer;
  /** Each chunk's data, in order (a write on the fake's side is one chunk). */
  chunks: Buffer[];
  /** The body framing completed: `0\r\n\r\n`, or Content-Length reached. */
  complete: boolean;
  /** How the socket ended: "open" (we stopped after a complete body), "fin", "rst", or "timeout". */
  close: "open" | "fin" | "rst" | "timeout";
  /** Every read with its arrival time. */
  reads: Array<{ t: number; bytes: Buffer }>;
  /** Bytes received before anything: nothing at all if the fake hung up before headers. */
  raw: Buffer;
}

export interface RawRequest {
  method?: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Give up (close:"timeout") after this long. Default 5000. */
  timeoutMs?: number;
  /** Hang up on our side after this many body bytes (simulates a client leaving). */
  abortAfterBodyBytes?: number;
  /** Hang up with RST instead of FIN when aborting. */
  abortWithRst?: boolean;
  /** Hang up after this long, even before headers. */
  abortAfterMs?: number;
}

export function rawRequest(origin: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(origin);
  const payload =
    request.body === undefined
      ? ""
      : typeof request.body === "string"
        ? request.body
        : JSON.stringify(request.body);
  const head = [
    `${request.method ?? "POST"} ${request.path} HTTP/1.1`,
    `Host: ${url.host}`,
    "Content-Type: application/json",
    `Content-Length: ${Buffer.byteLength(payload)}`,
    ...Object.entries(request.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    "",
    "",
  ].join("\r\n");
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const reads: RawResponse["reads"] = [];
    let settled = false;
    // `destroy: false` leaves a half-closed socket to end by itself (see hangUp).
    const finish = (close: RawResponse["close"], destroy = close === "open" || close === "timeout") => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(abortTimer);
      const raw = Buffer.concat(reads.map((r) => r.bytes));
      if (destroy) socket.destroy();
      resolve({ ...parse(raw), close, reads, raw });
    };
    const timer = setTimeout(() => finish("timeout"), request.timeoutMs ?? 5000);
    const abortTimer =
      request.abortAfterMs === undefined ? undefined : setTimeout(() => hangUp(), request.abortAfterMs);
    const hangUp = () => {
      if (settled) return;
      if (request.abortWithRst) {
        socket.resetAndDestroy();
        finish("open");
        return;
      }
      // A FIN, and nothing more: destroying now would close with bytes still unread in the kernel
      // (a token the busy event loop had not read yet), and the kernel answers that with a RST.
      // Reading on until the server closes its side keeps the hang-up a FIN however late we are.
      socket.end();
      socket.resume();
      const drained = setTimeout(() => socket.destroy(), request.timeoutMs ?? 5000).unref();
      socket.once("close", () => clearTimeout(drained));
      finish("open", false);
    };
    socket.on("connect", () => socket.write(head + payload));
    socket.on("data", (bytes: Buffer) => {
      if (settled) return;
      reads.push({ t: now(), bytes });
      const parsed = parse(Buffer.concat(reads.map((r) => r.bytes)));
      if (request.abortAfterBodyBytes !== undefined && parsed.body.length >= request.abortAfterBodyBytes) {
        hangUp();
        return;
      }
      if (parsed.complete) finish("open");
    });
    socket.on("end", () => finish("fin"));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET") finish("rst");
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
  });
}

function parse(raw: Buffer): Omit<RawResponse, "close" | "reads" | "raw"> {
  const empty = {
    status: 0,
    reason: "",
    headerLines: [],
    headers: {},
    body: Buffer.alloc(0),
    chunks: [],
    complete: false,
  };
  const end = raw.indexOf("\r\n\r\n");
  if (end < 0) return empty;
  const lines = raw.subarray(0, end).toString("latin1").split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(lines[0] ?? "");
  const headerLines = lines.slice(1);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = raw.subarray(end + 4);
  const base = { status: Number(status?.[1] ?? 0), reason: status?.[2] ?? "", headerLines, headers };
  if (headers["transfer-encoding"] === "chunked") {
    const chunks: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = rest.indexOf("\r\n", at);
      if (lineEnd < 0) return { ...base, body: Buffer.concat(chunks), chunks, complete: false };
      const size = Number.parseInt(rest.subarray(at, lineEnd).toString("latin1"), 16);
      if (size === 0) {
        const complete = rest.length >= lineEnd + 4;
        return { ...base, body: Buffer.concat(chunks), chunks, complete };
      }
      const dataEnd = lineEnd + 2 + size;
      if (rest.length < dataEnd + 2) {
        // A partial chunk counts as received body bytes.
        chunks.push(rest.subarray(lineEnd + 2, Math.min(dataEnd, rest.length)));
        return { ...base, body: Buffer.concat(chunks), chunks, complete: false };
      }
      chunks.push(rest.subarray(lineEnd + 2, dataEnd));
      at = dataEnd + 2;
    }
  }
  const length = headers["content-length"];
  if (length !== undefined) {
    return { ...base, body: rest, chunks: [rest], complete: rest.length >= Number(length) };
  }
  return { ...base, body: rest, chunks: [rest], complete: false };
}
