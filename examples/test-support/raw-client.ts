import { connect } from "node:net";
import { LOOPBACK } from "../../lib/net.ts";

export interface RawRequest {
  method?: string;
  path: string;
  body?: unknown;
  /** Give up (and close) after this long; the result then says `end: "timeout"`. */
  timeoutMs?: number;
  /** Hang up as soon as the decoded body so far satisfies this. */
  disconnectWhen?: (body: string) => boolean;
  /** Called with the decoded body so far each time it grows: lets a scripted upstream wait on it. */
  onBody?: (body: string) => void;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The decoded body (chunked framing removed). */
  body: string;
  /** Each decoded chunk with its arrival time (performance.now()). */
  chunks: Array<{ t: number; text: string }>;
  /** A chunked body ended with `0\r\n\r\n`, or a Content-Length body arrived whole. */
  complete: boolean;
  /**
   * How the exchange ended: `complete` (terminator or full length), `fin`/`reset` (the server
   * closed the connection before completing), `timeout`, or `client-closed` (we hung up).
   */
  end: "complete" | "fin" | "reset" | "timeout" | "client-closed";
  startedAt: number;
  endedAt: number;
  raw: Buffer;
}

/**
 * An HTTP/1.1 client on a bare socket, so a test sees what a browser's network stack would: the
 * status line, whether the chunked terminator came, and how the connection ended.
 */
export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  const body = request.body === undefined ? "" : JSON.stringify(request.body);
  const head =
    `${request.method ?? "POST"} ${request.path} HTTP/1.1\r\nhost: ${LOOPBACK}:${port}\r\n` +
    `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
  return new Promise((resolve) => {
    const startedAt = performance.now();
    const socket = connect(port, LOOPBACK);
    let raw = Buffer.alloc(0);
    let headerEnd = -1;
    let status = 0;
    const headers: Record<string, string> = {};
    let offset = 0;
    let decoded = "";
    const chunks: RawResponse["chunks"] = [];
    let settled = false;
    const finish = (end: RawResponse["end"]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status,
        headers,
        body: decoded,
        chunks,
        complete: end === "complete",
        end,
        startedAt,
        endedAt: performance.now(),
        raw,
      });
    };
    const timer = setTimeout(() => finish("timeout"), request.timeoutMs ?? 10_000);
    socket.on("data", (data: Buffer) => {
      const t = performance.now();
      raw = Buffer.concat([raw, data]);
      if (headerEnd < 0) {
        headerEnd = raw.indexOf("\r\n\r\n");
        if (headerEnd < 0) return;
        const lines = raw.subarray(0, headerEnd).toString("latin1").split("\r\n");
        status = Number(lines[0]?.split(" ")[1]);
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(":");
          headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        offset = headerEnd + 4;
      }
      const before = decoded.length;
      const done = headers["transfer-encoding"] === "chunked" ? decodeChunks() : decodeLength();
      if (decoded.length > before) {
        chunks.push({ t, text: decoded.slice(before) });
        request.onBody?.(decoded);
      }
      if (done) return finish("complete");
      if (request.disconnectWhen?.(decoded)) finish("client-closed");
    });
    const decodeLength = (): boolean => {
      const length = Number(headers["content-length"] ?? Number.NaN);
      decoded = raw.subarray(offset).toString("utf8");
      return Number.isFinite(length) && raw.length - offset >= length;
    };
    const decodeChunks = (): boolean => {
      for (;;) {
        const lineEnd = raw.indexOf("\r\n", offset);
        if (lineEnd < 0) return false;
        const size = Number.parseInt(raw.subarray(offset, lineEnd).toString("latin1"), 16);
        if (raw.length < lineEnd + 2 + size + 2) return false;
        if (size === 0) return true;
        decoded += raw.subarray(lineEnd + 2, lineEnd + 2 + size).toString("utf8");
        offset = lineEnd + 2 + size + 2;
      }
    };
    socket.on("end", () => finish("fin"));
    socket.on("error", () => finish("reset"));
    socket.on("close", () => finish("fin"));
    socket.write(head + body);
  });
}

/** The SSE events of a decoded body, as `{event, data}` (good enough for the backends' own output). */
export function sseEvents(body: string): Array<{ event: string | undefined; data: string }> {
  return body
    .split("\n\n")
    .filter((block) => block.trim() !== "" && !block.startsWith(":"))
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      return { event, data: data.join("\n") };
    });
}
