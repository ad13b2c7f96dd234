import type { TapBytes, TapConnection, TapSideEnd } from "../../../proxies/toxiproxy/index.ts";

/** Hand-built tap records for the analysis's tests: what a proxy would have recorded. */

export const REQUEST = "POST /chat HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}";

export function head(status: number, headers: Record<string, string> = {}, text = "OK"): string {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${text}\r\n${lines.join("")}\r\n`;
}

export const chunked = (type = "text/event-stream") =>
  head(200, { "content-type": type, "transfer-encoding": "chunked" });

export function chunk(text: string): string {
  return `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

export const LAST_CHUNK = "0\r\n\r\n";

export const fin = (t: number, by: TapSideEnd["by"] = "peer", detail?: string): TapSideEnd => ({
  kind: "fin",
  by,
  t,
  ...(detail ? { detail } : {}),
});
export const rst = (t: number, by: TapSideEnd["by"] = "peer"): TapSideEnd => ({ kind: "rst", by, t });
export const open: TapSideEnd = { kind: "open", by: "peer" };

export function bytes(segments: Array<[t: number, text: string]>): TapBytes {
  const kept = segments.map(([t, text]) => ({ t, bytes: Buffer.from(text, "latin1") }));
  const total = kept.reduce((sum, s) => sum + s.bytes.length, 0);
  const result: TapBytes = { segments: kept, bytes: total };
  if (kept.length > 0) {
    result.firstAt = kept[0]!.t;
    result.lastAt = kept.at(-1)!.t;
  }
  return result;
}

export function connection(options: {
  response: Array<[t: number, text: string]>;
  /** What the client box got, when a toxic stood between. */
  delivered?: Array<[t: number, text: string]>;
  request?: string;
  openedAt?: number;
  upstreamEnd?: TapSideEnd;
  clientEnd?: TapSideEnd;
  tap?: TapConnection["tap"];
}): TapConnection {
  const openedAt = options.openedAt ?? 0;
  const last = options.response.at(-1)?.[0] ?? openedAt;
  const upstreamEnd = options.upstreamEnd ?? fin(last + 1);
  const clientEnd = options.clientEnd ?? (upstreamEnd.kind === "open" ? open : fin(last + 1, "proxy"));
  const toDownstream: TapConnection["toDownstream"] = { sent: bytes(options.response) };
  if (options.delivered) toDownstream.delivered = bytes(options.delivered);
  return {
    id: 1,
    proxy: "hop",
    tap: options.tap ?? "proxy",
    openedAt,
    client: { address: "127.0.0.1:50000", end: clientEnd },
    upstream: { address: "127.0.0.1:8080", connectedAt: openedAt, end: upstreamEnd },
    toUpstream: { sent: bytes(options.request === "" ? [] : [[openedAt, options.request ?? REQUEST]]) },
    toDownstream,
  };
}
