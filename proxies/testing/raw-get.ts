import { connect } from "node:net";
import { now } from "../../lib/clock.ts";

/**
 * A raw-socket GET for edge tests: every read with its time, how the connection ended, and whether
 * the chunked terminator arrived. (The real probe lives in harness/probe/; this only needs bytes.)
 */
export interface RawResponse {
  sentAt: number;
  reads: Array<{ t: number; bytes: Buffer }>;
  raw: Buffer;
  status: number;
  headers: Record<string, string>;
  /** Time of the first read carrying body bytes. */
  firstBodyAt?: number;
  body: string;
  /** The decoded (de-chunked when chunked) body. */
  end: "close" | "reset" | "timeout";
  endAt: number;
  chunked: boolean;
  terminatorSeen: boolean;
}

export function rawGet(
  url: string,
  path: string,
  options: { timeoutMs?: number; keepAlive?: boolean } = {},
): Promise<RawResponse> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const target = new URL(url);
  return new Promise((resolve) => {
    const reads: RawResponse["reads"] = [];
    const socket = connect({ host: target.hostname, port: Number(target.port) });
    let sentAt = now();
    let end: RawResponse["end"] = "close";
    socket.on("connect", () => {
      sentAt = now();
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n${options.keepAlive ? "" : "Connection: close\r\n"}\r\n`,
      );
    });
    socket.on("data", (bytes: Buffer) => reads.push({ t: now(), bytes }));
    socket.setTimeout(timeoutMs, () => {
      end = "timeout";
      socket.destroy();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET") end = "reset";
    });
    socket.on("close", () => resolve(parse(sentAt, reads, end, now())));
  });
}

function parse(
  sentAt: number,
  reads: RawResponse["reads"],
  end: RawResponse["end"],
  endAt: number,
): RawResponse {
  const raw = Buffer.concat(reads.map((r) => r.bytes));
  const headEnd = raw.indexOf("\r\n\r\n");
  const head = headEnd === -1 ? raw.toString("latin1") : raw.subarray(0, headEnd).toString("latin1");
  const [statusLine = "", ...headerLines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const bodyStart = headEnd === -1 ? raw.length : headEnd + 4;
  let offset = 0;
  let firstBodyAt: number | undefined;
  for (const read of reads) {
    offset += read.bytes.length;
    if (offset > bodyStart) {
      firstBodyAt = read.t;
      break;
    }
  }
  const chunked = /chunked/i.test(headers["transfer-encoding"] ?? "");
  const bodyRaw = raw.subarray(bodyStart);
  const { body, terminatorSeen } = chunked
    ? dechunk(bodyRaw)
    : { body: bodyRaw.toString(), terminatorSeen: false };
  return {
    sentAt,
    reads,
    raw,
    status: Number(statusLine.split(" ")[1] ?? 0),
    headers,
    firstBodyAt,
    body,
    end,
    endAt,
    chunked,
    terminatorSeen,
  };
}

function dechunk(data: Buffer): { body: string; terminatorSeen: boolean } {
  const parts: Buffer[] = [];
  let i = 0;
  while (i < data.length) {
    const lineEnd = data.indexOf("\r\n", i);
    if (lineEnd === -1) break;
    const size = Number.parseInt(data.subarray(i, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) break;
    if (size === 0)
      return {
        body: Buffer.concat(parts).toString(),
        terminatorSeen: data.indexOf("\r\n", lineEnd + 2) !== -1,
      };
    const start = lineEnd + 2;
    parts.push(data.subarray(start, Math.min(start + size, data.length)));
    i = start + size + 2;
  }
  return { body: Buffer.concat(parts).toString(), terminatorSeen: false };
}
