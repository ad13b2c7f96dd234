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
 * How the exchange ended, as the socket told it (for h2, as the stream's frames told it: see `end.h2`):
 * - clean: the body was complete per its framing (`0\r\n\r\n`, Content-Length reached, or close-delimited EOF)
 * - fin-mid-body: the peer closed (FIN) before the body was complete (e.g. chunked with no terminator)
 * - rst: ECONNRESET / EPIPE from the peer
 * - timeout: the probe's own idle or total timeout fired
 * - client-disconnect: the probe hung up on purpose (scenario's client behaviour)
 * - connect-failed: no connection (ECONNREFUSED...), or for h2 no TLS or no h2 by ALPN
 * - network-error: the client's own stack said the stream broke without saying how (a browser's
 *   `TypeError: network error`: RST_STREAM and a lost connection look the same to a page)
 *
 * On h2: END_STREAM is `clean`; RST_STREAM or a GOAWAY that abandons the stream is `rst`; the
 * connection closing before END_STREAM is `fin-mid-body` (FIN) or `rst` (TCP reset).
 */
export type ProbeEndKind =
  | "clean"
  | "fin-mid-body"
  | "rst"
  | "timeout"
  | "client-disconnect"
  | "connect-failed"
  | "network-error";

/** Which client made the observation (`--client`). */
export type ProbeClientName = "h1" | "h2" | "browser";

/** One HTTP/2 frame as read off (or written to) the decrypted connection, RFC 9113 §4.1. */
export interface H2Frame {
  /** Arrival (or write) time of the read that completed the frame. */
  t: number;
  /** When the frame's first byte arrived, if that was an earlier read. */
  startT?: number;
  direction: "in" | "out";
  /** DATA, HEADERS, RST_STREAM, GOAWAY, ... (`UNKNOWN_0x..` for an extension type). */
  type: string;
  /** Flag names that mean something for this type: END_STREAM, END_HEADERS, PADDED, PRIORITY, ACK. */
  flags: string[];
  streamId: number;
  /** Payload length from the frame header (padding included). */
  length: number;
  endStream?: boolean;
  padLength?: number;
  /** DATA: payload bytes without padding. */
  dataLength?: number;
  /** HEADERS: header-block fragment bytes (HPACK, decoded by Node, not here). */
  blockLength?: number;
  /** RST_STREAM and GOAWAY. */
  errorCode?: number;
  errorName?: string;
  /** GOAWAY: the last stream the sender will have processed, and its debug data. */
  lastStreamId?: number;
  debug?: string;
  settings?: Array<{ name: string; value: number }>;
  windowIncrement?: number;
  /** The frame broke a length or padding rule; its fields may be missing. */
  malformed?: string;
}

/** How an HTTP/2 stream ended, in HTTP/2's own terms. */
export interface H2StreamEnd {
  /**
   * - end-stream: a frame with END_STREAM (the clean end)
   * - rst-stream: RST_STREAM with `code`
   * - goaway: the connection was abandoned with GOAWAY before the stream ended
   * - connection-closed / connection-reset: the TCP connection ended (FIN / RST) before END_STREAM
   * - none: the probe gave up first (timeout) or never got a stream
   */
  how: "end-stream" | "rst-stream" | "goaway" | "connection-closed" | "connection-reset" | "none";
  by: "server" | "client";
  code?: number;
  codeName?: string;
  lastStreamId?: number;
  debug?: string;
}

/** What only the h2 probe sees. */
export interface H2Evidence {
  /** The ALPN protocol TLS negotiated ("h2" or the reason the probe stopped). */
  alpn: string | false;
  /** The probe's stream (1 for the first request on a connection). */
  streamId?: number;
  /** Every frame both ways, in order, for evidence. DATA payloads are in `body`/`chunks`, not here. */
  frames: H2Frame[];
  /** The server's SETTINGS as first sent. */
  serverSettings?: Array<{ name: string; value: number }>;
  /** A GOAWAY the server sent, if any (also when it did not affect the stream). */
  goaway?: { t: number; code: number; codeName: string; lastStreamId: number; debug?: string };
  /** Bytes the frame reader was inside of when the connection ended. */
  incomplete?: string;
}

export interface SseEventView {
  t: number;
  event?: string;
  data: string;
  id?: string;
}

export interface ProbeObservation {
  /** Absent means h1 (observations made before clients existed). */
  client?: ProbeClientName;
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  startedAt: number;
  connectedAt?: number;
  /** Raw reads, in order, exactly as received. */
  reads: ProbeRead[];
  response?: {
    statusCode: number;
    statusText: string;
    /** "1.1", "1.0"; "2" for the h2 probe and a browser that negotiated h2. */
    httpVersion: string;
    /** Header pairs in wire order, names as sent. */
    headers: Array<[string, string]>;
    headersAt: number;
    /** `h2`: DATA frames ended by END_STREAM; `opaque`: a browser, which never shows the framing. */
    framing: "chunked" | "content-length" | "close-delimited" | "none" | "h2" | "opaque";
  };
  /** First byte of anything on the socket. */
  firstByteAt?: number;
  /** First byte of body (after the header block). */
  firstBodyByteAt?: number;
  chunks: ProbeChunk[];
  /** The decoded body (de-chunked), and its pieces with arrival times. */
  body: Buffer;
  bodyReads: ProbeRead[];
  /** `0\r\n\r\n` (with optional trailers) arrived; on h2, END_STREAM. */
  terminatorSeen: boolean;
  /** The body is complete per its framing. */
  complete: boolean;
  /** Bytes left undecoded when the connection ended (a partial chunk-size line, a partial chunk). */
  trailingGarbage?: Buffer;
  end: { kind: ProbeEndKind; t: number; detail?: string; h2?: H2StreamEnd };
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
  /**
   * Bytes that still arrived after the probe hung up or timed out (drained, not in `reads`): a server
   * still streaming. On h2, DATA payload on the probe's stream after its RST_STREAM(CANCEL).
   */
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
  /** h2 probe only: ALPN, the frame log, the server's GOAWAY. */
  h2?: H2Evidence;
  /** Browser client only: what the page saw and caught. */
  browser?: BrowserEvidence;
}

/**
 * What a user's page saw: headless Chromium ran the request with `fetch()` and a stream reader, or
 * with `EventSource`. The observation's `text`, `bodyReads` and `sse` are what reached the page (so
 * a contract's `interpret()` says whether the error marker reached it); this is the rest.
 */
export interface BrowserEvidence {
  api: "fetch" | "eventsource";
  /** Chromium's version, e.g. "156.0.8078.114". */
  chromium: string;
  /** How the page's code came out of it. */
  outcome: "complete" | "error" | "aborted" | "timeout" | "closed-by-page";
  /** The error the page's code caught (`TypeError: network error`...), and where. */
  error?: { name: string; message: string; t: number; phase: "fetch" | "read" };
  /** The protocol Chromium used for the request ("h2", "http/1.1"), from Resource Timing. */
  nextHopProtocol?: string;
  /**
   * The fetch api on an SSE stream: why the page could not use EventSource for this request (it is
   * not a GET), so a check of EventSource is not applicable with this reason instead of passing.
   */
  eventSourceNotApplicable?: string;
  /** EventSource only: its life as the page saw it. */
  eventSource?: {
    /** What the page opened: `new EventSource(path)`. */
    path: string;
    /** Events the page's listeners received. */
    events: number;
    opens: number[];
    errors: Array<{ t: number; readyState: number }>;
    /** Times the browser opened the stream again by itself, re-sending the request. */
    reconnects: number;
    /**
     * How many times Chromium sent the request (DevTools' network view): more than one is the
     * browser re-sending it by itself, also when the re-sent one never opened.
     */
    requestsSent: number;
    /** Why the page stopped listening: its done signal, a permanent failure, after a reconnect, ... */
    closedBecause: "done-signal" | "failed" | "reconnected" | "no-reconnect" | "timeout" | "disconnect";
  };
  /** Page clock to ours: page time minus `offsetMs` is lib/clock.ts time, give or take `uncertaintyMs`. */
  clock: { offsetMs: number; uncertaintyMs: number };
}
