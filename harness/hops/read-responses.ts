import type { TapBytes, TapSideEnd } from "../../proxies/toxiproxy/index.ts";
import { HttpResponseDecoder } from "../probe/http-decoder.ts";
import type { HopFraming, HopOutcome } from "./hop-types.ts";

/** Body bytes kept per response for a judge: enough for any done signal or marker. */
const MAX_BODY = 1024 * 1024;

export interface TappedResponse {
  framing: HopFraming;
  firstByteAt?: number;
  firstBodyByteAt?: number;
  headers: Array<[string, string]>;
  /** The decoded (de-chunked) body, up to 1 MiB. */
  body: Buffer;
}

/**
 * Decodes the responses in one direction of a tapped connection, in order (a keep-alive
 * connection carries several), and says how the last one ended, given how the sender's side and
 * the receiver's side of the connection ended.
 */
export function readResponses(
  bytes: TapBytes,
  context: { method: string; senderEnd: TapSideEnd; receiverEnd: TapSideEnd },
): TappedResponse[] {
  const responses: TappedResponse[] = [];
  let current = new ResponseReader(context.method);
  for (const segment of bytes.segments) {
    let data: Buffer | undefined = segment.bytes;
    while (data !== undefined && data.length > 0) {
      current.push(data, segment.t);
      if (!current.decoder.complete) break;
      // A complete response: what followed it in this read starts the next one.
      data = current.decoder.leftovers();
      responses.push(current.finish("complete"));
      current = new ResponseReader(context.method);
    }
  }
  if (current.started || responses.length === 0) {
    responses.push(current.finish(lastOutcome(current, bytes, context), bytes));
  }
  return responses;
}

class ResponseReader {
  readonly decoder: HttpResponseDecoder;
  firstByteAt: number | undefined;
  #body: Buffer[] = [];
  #kept = 0;

  constructor(method: string) {
    this.decoder = new HttpResponseDecoder(method, {
      onBody: (piece) => {
        if (this.#kept >= MAX_BODY) return;
        this.#body.push(piece);
        this.#kept += piece.length;
      },
    });
  }

  get started(): boolean {
    return this.firstByteAt !== undefined;
  }

  push(data: Buffer, t: number): void {
    this.firstByteAt ??= t;
    this.decoder.push(data, t);
  }

  finish(outcome: { outcome: HopOutcome; detail?: string } | "complete", bytes?: TapBytes): TappedResponse {
    const { outcome: kind, detail } = outcome === "complete" ? { outcome, detail: undefined } : outcome;
    const head = this.decoder.head;
    const framing: HopFraming = {
      outcome: kind,
      bodyBytes: this.decoder.bodyBytes,
      chunks: this.decoder.chunks.length,
    };
    if (head) {
      framing.framing = head.framing;
      framing.status = head.statusCode;
    }
    if (bytes?.truncatedAt !== undefined) framing.bodyBytes += bytes.bytes - keptBytes(bytes);
    if (detail !== undefined) framing.detail = detail;
    const response: TappedResponse = {
      framing,
      headers: head?.headers ?? [],
      body: Buffer.concat(this.#body),
    };
    if (this.firstByteAt !== undefined) response.firstByteAt = this.firstByteAt;
    if (this.decoder.firstBodyByteAt !== undefined) response.firstBodyByteAt = this.decoder.firstBodyByteAt;
    return response;
  }
}

function keptBytes(bytes: TapBytes): number {
  return bytes.segments.reduce((sum, s) => sum + s.bytes.length, 0);
}

/** How the response still being read when the bytes stopped ended. */
function lastOutcome(
  reader: ResponseReader,
  bytes: TapBytes,
  { senderEnd, receiverEnd }: { senderEnd: TapSideEnd; receiverEnd: TapSideEnd },
): { outcome: HopOutcome; detail?: string } {
  const { decoder } = reader;
  const ended = senderEnd.kind !== "open";
  if (bytes.truncatedAt !== undefined) return truncatedOutcome(reader, bytes, senderEnd);
  if (ended && senderEnd.kind !== "rst") decoder.endOfInput(senderEnd.t ?? 0);
  if (decoder.complete) {
    return decoder.head?.framing === "close-delimited"
      ? { outcome: "closed", detail: "close-delimited body ended by FIN" }
      : { outcome: "complete" };
  }
  const where = decoder.incompleteReason();
  // The receiving side hung up first (the probe disconnecting, a proxy giving up): the sender was
  // cut off, it did not cut.
  const receiverFirst =
    receiverEnd.kind !== "open" &&
    receiverEnd.by === "peer" &&
    (!ended || (receiverEnd.t ?? 0) <= (senderEnd.t ?? Number.POSITIVE_INFINITY));
  if (receiverFirst) return withDetail("client-left", where);
  if (!ended) return withDetail("open", where);
  if (decoder.malformed !== undefined) return withDetail("malformed", where);
  if (!reader.started) return { outcome: "no-response" };
  switch (decoder.state) {
    case "status-line":
    case "headers":
      return withDetail("headers-cut", where);
    case "body-length":
      return withDetail("cut-short", where);
    case "body-close":
      return withDetail("cut-reset", where ?? "close-delimited body ended by RST");
    case "chunk-size":
      return withDetail(where?.startsWith("between chunks") ? "cut-between-chunks" : "cut-mid-chunk", where);
    default:
      return withDetail("cut-mid-chunk", where);
  }
}

function withDetail(
  outcome: HopOutcome,
  detail: string | undefined,
): { outcome: HopOutcome; detail?: string } {
  return detail === undefined ? { outcome } : { outcome, detail };
}

/**
 * The tap kept the start of the stream and its last 1 KiB: enough to see a chunked terminator, a
 * Content-Length count, or how a close-delimited body ended, but not where in a chunk a cut fell.
 */
function truncatedOutcome(
  reader: ResponseReader,
  bytes: TapBytes,
  senderEnd: TapSideEnd,
): { outcome: HopOutcome; detail?: string } {
  const head = reader.decoder.head;
  const tail = bytes.tail ?? Buffer.alloc(0);
  const note = `the tap kept ${keptBytes(bytes)} of ${bytes.bytes} bytes and the last ${tail.length}`;
  if (!head) return { outcome: "unknown", detail: note };
  if (senderEnd.kind === "open") return { outcome: "open", detail: note };
  if (head.framing === "chunked") {
    if (/(^|\r\n)0(;[^\r\n]*)?\r\n(.*\r\n)*\r\n$/s.test(tail.toString("latin1")))
      return { outcome: "complete", detail: `${note}: it ends with the last chunk` };
    const between = tail.subarray(-2).toString("latin1") === "\r\n";
    return {
      outcome: between ? "cut-between-chunks" : "cut-mid-chunk",
      detail: `${note}: no terminating chunk`,
    };
  }
  if (head.framing === "content-length") {
    const declared = Number(head.headers.findLast(([n]) => n.toLowerCase() === "content-length")?.[1]);
    const got = reader.decoder.bodyBytes + bytes.bytes - keptBytes(bytes);
    return got >= declared
      ? { outcome: "complete", detail: note }
      : { outcome: "cut-short", detail: `${note}: ${got} of ${declared} body bytes` };
  }
  if (head.framing === "close-delimited")
    return senderEnd.kind === "rst"
      ? { outcome: "cut-reset", detail: note }
      : { outcome: "closed", detail: note };
  return { outcome: "complete", detail: note };
}
