/**
 * What the probe saw for one request, decoded from raw socket bytes. This is the source of truth
 * for every client-side check: all times are epoch ms from lib/clock.ts `now()`.
 */

export interface ProbeRead {
  t: number;
  bytes: Buffer;
}

export interface ProbeChunk {
  /** Arrival time of the read that completed this chunk's data. */
  t: number;
  size: number;
  data: Buffer;
  /** Arrival time of the read that carried this chunk's size line. */
  startT?: number;
  /** Chunk extensions after the size, as sent (without the leading `;`). */
  ext?: string;
}

/** A 1xx interim response the probe skipped (e.g. 100 Continue, 103 Early Hints). */
export interface ProbeInterimResponse {
  t: number;
  statusCode: number;
  headers: Array<[string, string]>;
}

/**
 * How the connection ended, as the socket told it:
 * - clean: the body was complete per its framing (`0\r\n\r\n`, Content-Length reached, or close-delimited EOF)
 * - fin-mid-body: the peer closed (FIN) before the body was complete (e.g. chunked with no terminator)
 * - rst: ECONNRESET / EPIPE from the peer
 * - timeout: the probe's own idle or total timeout fired
 * - client-disconnect: the probe hung up on purpose (scenario's client behaviour)
 * - connect-failed: no connection (ECONNREFUSED...)
 */
export type ProbeEndKind =
  | "clean"
  | "fin-mid-body"
  | "rst"
  | "timeout"
  | "client-disconnect"
  | "connect-failed";

export interface SseEventView {
  t: number;
  event?: string;
  data: string;
  id?: string;
}

export interface ProbeObservation {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  startedAt: number;
  connectedAt?: number;
  /** Raw reads, in order, exactly as received. */
  reads: ProbeRead[];
  response?: {
    statusCode: number;
    statusText: string;
    httpVersion: string;
    /** Header pairs in wire order, names as sent. */
    headers: Array<[string, string]>;
    headersAt: number;
    framing: "chunked" | "content-length" | "close-delimited" | "none";
  };
  /** First byte of anything on the socket. */
  firstByteAt?: number;
  /** First byte of body (after the header block). */
  firstBodyByteAt?: number;
  chunks: ProbeChunk[];
  /** The decoded body (de-chunked), and its pieces with arrival times. */
  body: Buffer;
  bodyReads: ProbeRead[];
  /** `0\r\n\r\n` (with optional trailers) arrived. */
  terminatorSeen: boolean;
  /** The body is complete per its framing. */
  complete: boolean;
  /** Bytes left undecoded when the connection ended (a partial chunk-size line, a partial chunk). */
  trailingGarbage?: Buffer;
  end: { kind: ProbeEndKind; t: number; detail?: string };
  /** Trailer fields after the last chunk, wire order. */
  trailers?: Array<[string, string]>;
  /** When `0\r\n\r\n` (and trailers) completed. */
  terminatorAt?: number;
  /** 1xx responses that came before the final one. */
  interim?: ProbeInterimResponse[];
  /** Framing leniencies the decoder accepted (bare LF line ends, obs-fold, both TE and CL...). */
  notes?: string[];
  /** When the socket was gone, and who closed it (after a clean end the probe waits briefly for the peer's FIN). */
  closedAt?: number;
  closedBy?: "peer-fin" | "peer-rst" | "probe";
  /** Bytes that still arrived after the probe hung up or timed out (drained, not in `reads`): a server still streaming. */
  bytesAfterEnd?: number;
  /** Set when the scenario asked the probe to hang up. */
  disconnect?: { reason: string; t: number };
  /** SSE view (eventsource-parser) of the body, when the response is text/event-stream. */
  sse: {
    events: SseEventView[];
    comments: Array<{ t: number; text: string }>;
    retry?: number;
    /** Bytes of a final event that never got its blank line (the parser drops it, as browsers do). */
    unterminatedTail?: string;
    errors: string[];
    /** False when the response was not text/event-stream and the caller did not ask for `sse: "always"`. */
    applied?: boolean;
  };
  /** The body as UTF-8 text (invalid sequences replaced). */
  text: string;
  /** What an undici fetch() consumer reading these exact bytes would have seen. */
  fetchView: {
    outcome: "complete" | "terminated" | "fetch-failed" | "aborted" | "not-run";
    status?: number;
    /** The error a fetch consumer got: e.g. "TypeError: terminated (cause: SocketError: other side closed)". */
    error?: string;
    /** `code` of the error or its cause (e.g. UND_ERR_SOCKET, ECONNRESET, ECONNREFUSED). */
    errorCode?: string;
    bodyBytes?: number;
  };
}
