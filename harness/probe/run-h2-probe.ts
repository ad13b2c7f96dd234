import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  connect as h2Connect,
  type IncomingHttpHeaders,
} from "node:http2";
import { isIP, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { now } from "../../lib/clock.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import { BodyText, isEventStream, SseRecorder } from "./internal/body-views.ts";
import { FrameTap } from "./internal/frame-tap.ts";
import { errorCodeName, H2FrameReader } from "./internal/h2-frames.ts";
import { ProbeTimers } from "./internal/timers.ts";
import type {
  H2Evidence,
  H2Frame,
  H2StreamEnd,
  ProbeChunk,
  ProbeEndKind,
  ProbeInterimResponse,
  ProbeObservation,
  ProbeRead,
} from "./observation.ts";
import { type ProbeOptions, resolveProbeOptions } from "./options.ts";

type End = ProbeObservation["end"];

export interface H2ProbeOptions extends ProbeOptions {
  /** `https://host:port/path`: the edge's TLS listener. */
  url: string;
  /** CA certificate(s) to trust, PEM: the run's CA (runtime/tls/run-ca.ts). Default: Node's roots. */
  ca?: string | Buffer | Array<string | Buffer>;
}

/** Codes that mean the peer (or a middlebox) reset the connection rather than closing it. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
/** Connection-specific fields HTTP/2 forbids (RFC 9113 §8.2.2); Host becomes :authority. */
const H1_ONLY = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "host",
]);
/** How long a connection may take to go away after the probe closed it, before it is destroyed. */
const CLOSE_GRACE_MS = 500;

/**
 * Sends one request over HTTP/2 on TLS and records what the server did in HTTP/2's own terms, the
 * way `runProbe` does for HTTP/1.1 bytes: every decrypted read with its time, every frame both ways
 * (its type, flags, stream, error code), the body from the DATA frames with their times, and how the
 * stream ended: END_STREAM (`clean`), RST_STREAM with its code or a GOAWAY that abandons it (`rst`),
 * the connection closing first (`fin-mid-body`, or `rst` for a TCP reset). Node's nghttp2 runs the
 * protocol (HPACK, flow control, SETTINGS) on the same bytes through a tap (internal/frame-tap.ts).
 *
 * The observation has the h1 probe's shape, so contracts and checks read it unchanged; `end.h2` and
 * `h2` carry what only HTTP/2 has. There is no fetch replay (`fetchView` is "not-run"): the browser
 * client is what shows what a page makes of it. It resolves (never rejects) for anything the server
 * or network does; only invalid options throw (a UserError).
 */
export async function runH2Probe(options: H2ProbeOptions): Promise<ProbeObservation> {
  const o = resolveProbeOptions(options, "h2");
  const startedAt = now();
  const disconnectOpt = o.disconnect;
  const requestHeaders = buildH2Headers(o);

  const reads: ProbeRead[] = [];
  const frames: H2Frame[] = [];
  const chunks: ProbeChunk[] = [];
  const bodyReads: ProbeRead[] = [];
  const interim: ProbeInterimResponse[] = [];
  const text = new BodyText();
  let readPieces: Buffer[] = [];
  let bodyBytes = 0;
  let alpn: string | false = false;
  let streamId: number | undefined;
  let serverSettings: H2Evidence["serverSettings"];
  let goaway: H2Evidence["goaway"];
  let end: End | undefined;
  let response: ProbeObservation["response"];
  let trailers: Array<[string, string]> | undefined;
  let connectedAt: number | undefined;
  let firstByteAt: number | undefined;
  let firstBodyByteAt: number | undefined;
  let endStreamAt: number | undefined;
  let lastHeadersAt: number | undefined;
  let requestWrittenAt: number | undefined;
  let disconnect: ProbeObservation["disconnect"];
  let closedBy: ProbeObservation["closedBy"];
  let pendingHangUp: string | undefined;
  let bytesAfterEnd = 0;
  let sessionError: string | undefined;
  let session: ClientHttp2Session | undefined;
  let req: ClientHttp2Stream | undefined;

  const sse = new SseRecorder((count) => {
    if (disconnectOpt?.afterEvents !== undefined && count >= disconnectOpt.afterEvents) {
      pendingHangUp ??= `after ${count} SSE events`;
    }
  });
  let sseLive = false;
  /** Body text that arrived in the read carrying the headers, before Node decoded them (see onBody). */
  let beforeHead: Array<{ piece: string; t: number }> | undefined = [];
  const mine = (id: number) => id !== 0 && id === (streamId ?? req?.id);

  const inbound = new H2FrameReader("in", {
    onFrame: (frame, data) => {
      frames.push(frame);
      if (frame.streamId === 0) {
        onConnectionFrame(frame);
        return;
      }
      if (!mine(frame.streamId)) return;
      streamId ??= frame.streamId;
      if (frame.type === "DATA" && data && data.length > 0) {
        if (end) bytesAfterEnd += data.length;
        else onBody(frame, data);
      }
      if ((frame.type === "HEADERS" || frame.type === "CONTINUATION") && frame.flags.includes("END_HEADERS"))
        lastHeadersAt = frame.t;
      if (frame.endStream && endStreamAt === undefined) {
        endStreamAt = frame.t;
        finish("clean", frame.t, undefined, { how: "end-stream", by: "server" });
      }
      if (frame.type === "RST_STREAM" && frame.errorCode !== undefined) {
        finish("rst", frame.t, `the server reset the stream: RST_STREAM ${frame.errorName}`, {
          how: "rst-stream",
          by: "server",
          code: frame.errorCode,
          codeName: frame.errorName!,
        });
      }
    },
  });
  const outbound = new H2FrameReader(
    "out",
    {
      onFrame: (frame) => {
        frames.push(frame);
        if (requestWrittenAt === undefined && frame.endStream && mine(frame.streamId)) {
          requestWrittenAt = frame.t;
          onRequestWritten();
        }
      },
    },
    { preface: true },
  );

  const onConnectionFrame = (frame: H2Frame) => {
    if (frame.type === "SETTINGS" && !frame.flags.includes("ACK") && serverSettings === undefined)
      serverSettings = frame.settings ?? [];
    if (frame.type !== "GOAWAY" || frame.errorCode === undefined || frame.lastStreamId === undefined) return;
    goaway = {
      t: frame.t,
      code: frame.errorCode,
      codeName: frame.errorName!,
      lastStreamId: frame.lastStreamId,
    };
    if (frame.debug) goaway.debug = frame.debug;
    const id = streamId ?? req?.id ?? 1;
    // A graceful GOAWAY that covers our stream lets it finish; an error or a lower last-stream-id does not.
    if (frame.errorCode !== constants.NGHTTP2_NO_ERROR || frame.lastStreamId < id) {
      const h2: H2StreamEnd = {
        how: "goaway",
        by: "server",
        code: frame.errorCode,
        codeName: frame.errorName!,
        lastStreamId: frame.lastStreamId,
      };
      if (frame.debug) h2.debug = frame.debug;
      finish(
        "rst",
        frame.t,
        `the server abandoned the connection: GOAWAY ${frame.errorName} last-stream ${frame.lastStreamId}`,
        h2,
      );
    }
  };

  const onBody = (frame: H2Frame, data: Buffer) => {
    firstBodyByteAt ??= frame.t;
    bodyBytes += data.length;
    readPieces.push(data);
    chunks.push({ t: frame.t, size: data.length, data, startT: frame.startT ?? frame.t });
    const piece = text.push(data);
    // DATA can share a read with the HEADERS frame, and the tap reads frames before nghttp2 decodes
    // the headers: hold the text until the response says whether it is an event stream.
    if (beforeHead) beforeHead.push({ piece, t: frame.t });
    else if (sseLive) sse.feed(piece, frame.t);
    if (disconnectOpt?.afterBytes !== undefined && bodyBytes >= disconnectOpt.afterBytes)
      pendingHangUp ??= `after ${bodyBytes} body bytes`;
    // A DATA frame is the h2 body read a text or NDJSON contract counts its pieces in.
    const pieces = disconnectOpt?.afterPieces;
    if (pieces) {
      const count = pieces.counter.push(data);
      if (count >= pieces.count) pendingHangUp ??= `after ${count} ${pieces.counter.unit}`;
    }
  };

  // The TCP socket is ours so that disconnect mode "rst" can reset it (a TLS socket's handle cannot).
  const tcp = tcpConnect({ host: o.host, port: o.port });
  const socket = tlsConnect({
    socket: tcp,
    ALPNProtocols: ["h2", "http/1.1"],
    ...(isIP(o.host) ? {} : { servername: o.host }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  });
  const untrack = trackLive({
    [Symbol.asyncDispose]: async () => {
      socket.destroy();
      tcp.destroy();
    },
  });
  const timers = new ProbeTimers();
  const armIdle = () => {
    if (o.idleTimeoutMs === undefined || end) return;
    const ms = o.idleTimeoutMs;
    timers.idle(ms, () =>
      finish("timeout", now(), withWhere(`idle: no byte for ${ms}ms`), { how: "none", by: "client" }),
    );
  };
  const withWhere = (what: string) => {
    const where = inbound.incompleteReason();
    return where ? `${what}; ${where}` : what;
  };

  /** Ends the connection the way the end calls for, after Node has been handed the read in progress. */
  const closeConnection = (how: "graceful" | "linger" | "reset" | "destroy") => {
    setImmediate(() => {
      if (socket.destroyed) return;
      if (how === "reset" && connectedAt !== undefined) {
        tcp.resetAndDestroy();
        socket.destroy();
        return;
      }
      if (how === "destroy" || !session) {
        session?.destroy();
        socket.destroy();
        return;
      }
      const close = () => {
        session?.close();
        timers.after(CLOSE_GRACE_MS, () => socket.destroy());
      };
      // After a cancel, keep reading a little: DATA still arriving says the server kept streaming.
      if (how === "linger") timers.after(Math.max(o.lingerMs, 50), close);
      else close();
    });
  };

  const finish = (kind: ProbeEndKind, t: number, detail: string | undefined, h2: H2StreamEnd) => {
    if (end) return;
    end = { kind, t, h2 };
    if (detail !== undefined) end.detail = detail;
    if (kind !== "connect-failed") closedBy ??= "probe";
    timers.clear();
    if (kind === "clean") closeConnection("graceful");
    else if (kind === "client-disconnect")
      closeConnection(disconnectOpt?.mode === "rst" ? "reset" : "linger");
    else {
      // A timeout cancels the stream first, as a browser does when it gives up.
      if (kind === "timeout" && req && !req.closed) req.close(constants.NGHTTP2_CANCEL);
      closeConnection("destroy");
    }
  };

  const hangUp = (reason: string) => {
    pendingHangUp = undefined;
    if (end) return;
    const t = now();
    disconnect = { reason, t };
    const byReset = disconnectOpt?.mode === "rst";
    if (!byReset && req && !req.closed) req.close(constants.NGHTTP2_CANCEL);
    finish(
      "client-disconnect",
      t,
      withWhere(`probe hung up ${reason}`),
      byReset
        ? { how: "connection-reset", by: "client" }
        : { how: "rst-stream", by: "client", code: constants.NGHTTP2_CANCEL, codeName: "CANCEL" },
    );
  };

  const onRequestWritten = () => {
    if (disconnectOpt?.beforeFirstByte && firstBodyByteAt === undefined && response === undefined)
      hangUp("before the first response byte");
    if (disconnectOpt?.afterMs !== undefined) {
      timers.after(disconnectOpt.afterMs, () => hangUp(`${disconnectOpt.afterMs}ms after the request`));
    }
  };

  const done = new Promise<number>((resolve) => socket.once("close", () => resolve(now())));

  timers.after(o.timeoutMs, () =>
    finish(
      "timeout",
      now(),
      withWhere(`total timeout ${o.timeoutMs}ms${connectedAt ? "" : " while connecting"}`),
      { how: "none", by: "client" },
    ),
  );
  const onAbort = () => hangUp(`on abort signal (${String(o.signal?.reason)})`);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });

  socket.once("secureConnect", () => {
    if (end) return;
    connectedAt = now();
    alpn = socket.alpnProtocol ?? false;
    if (alpn !== "h2") {
      finish(
        "connect-failed",
        connectedAt,
        `TLS worked but ALPN chose ${alpn === false ? "no protocol" : alpn}, not h2: this listener does not offer HTTP/2`,
        { how: "none", by: "server" },
      );
      return;
    }
    armIdle();
    const tap = new FrameTap(socket, {
      onRead: (bytes, t) => {
        if (!end) {
          reads.push({ t, bytes });
          firstByteAt ??= t;
        }
        readPieces = [];
        inbound.push(bytes, t);
        if (readPieces.length > 0) {
          const bytesOfRead = readPieces.length === 1 ? readPieces[0]! : Buffer.concat(readPieces);
          bodyReads.push({ t, bytes: bytesOfRead });
          readPieces = [];
        }
        armIdle();
      },
      afterRead: () => {
        if (pendingHangUp !== undefined) hangUp(pendingHangUp);
      },
      onWrite: (bytes, t) => outbound.push(bytes, t),
    });
    session = h2Connect(o.url.origin, { createConnection: () => tap, settings: { enablePush: false } });
    session.on("error", (error: NodeJS.ErrnoException) => {
      sessionError ??= `${error.code ?? error.name}: ${error.message}`;
    });
    req = session.request(requestHeaders, { endStream: o.body === undefined });
    req.on("error", (error: NodeJS.ErrnoException) => {
      sessionError ??= `${error.code ?? error.name}: ${error.message}`;
    });
    req.on("response", (headers, _flags, raw?: string[]) => {
      const t = lastHeadersAt ?? now();
      response = {
        statusCode: Number(headers[":status"]),
        statusText: "",
        httpVersion: "2",
        headers: headerPairs(headers, raw),
        headersAt: t,
        framing: "h2",
      };
      const contentType = response.headers.findLast(([n]) => n === "content-type")?.[1];
      sseLive =
        o.sse === "always" ||
        (o.sse === "auto" && isEventStream(contentType)) ||
        disconnectOpt?.afterEvents !== undefined;
      const held = beforeHead ?? [];
      beforeHead = undefined;
      if (sseLive) for (const { piece, t: at } of held) sse.feed(piece, at);
      if (
        disconnectOpt?.afterEvents === 0 ||
        disconnectOpt?.afterBytes === 0 ||
        disconnectOpt?.afterPieces?.count === 0
      ) {
        pendingHangUp ??= "after the headers";
        // Headers may be all this read held: do not wait for another one to act on it.
        setImmediate(() => {
          if (pendingHangUp !== undefined) hangUp(pendingHangUp);
        });
      }
    });
    req.on("headers", (headers, _flags, raw?: string[]) => {
      const status = Number(headers[":status"]);
      if (status >= 100 && status < 200)
        interim.push({ t: lastHeadersAt ?? now(), statusCode: status, headers: headerPairs(headers, raw) });
    });
    req.on("trailers", (headers) => {
      trailers = headerPairs(headers, undefined);
    });
    req.on("ready", () => {
      streamId = req?.id;
    });
    req.on("close", () => {
      // Frames are read before nghttp2 sees them, so a server's RST_STREAM or END_STREAM has already
      // ended the observation; anything left is Node closing the stream itself.
      setImmediate(() => {
        if (end || !req) return;
        const code = req.rstCode ?? constants.NGHTTP2_NO_ERROR;
        finish(
          "rst",
          now(),
          `Node's HTTP/2 client closed the stream (${errorCodeName(code)}${sessionError ? `, ${sessionError}` : ""})`,
          { how: "rst-stream", by: "client", code, codeName: errorCodeName(code) },
        );
      });
    });
    req.resume();
    if (o.body !== undefined) req.end(Buffer.from(o.body, "utf8"));
  });

  socket.on("end", () => {
    closedBy ??= "peer-fin";
    finish("fin-mid-body", now(), withWhere("the connection closed (FIN) before END_STREAM"), {
      how: "connection-closed",
      by: "server",
    });
  });

  socket.on("error", (error: NodeJS.ErrnoException) => {
    const t = now();
    const code = error.code ?? "UNKNOWN";
    if (connectedAt === undefined) {
      finish("connect-failed", t, `${code}: ${error.message}`, { how: "none", by: "server" });
      return;
    }
    if (RESET_CODES.has(code)) closedBy ??= "peer-rst";
    finish("rst", t, withWhere(`${code}: ${error.message}`), { how: "connection-reset", by: "server" });
  });

  const closedAt = await done;
  o.signal?.removeEventListener("abort", onAbort);
  timers.clear();
  untrack();
  session?.destroy();
  if (!end) {
    end = {
      kind: "fin-mid-body",
      t: closedAt,
      detail: withWhere("the connection closed before END_STREAM"),
      h2: { how: "connection-closed", by: "server" },
    };
  }

  if (beforeHead && sseLive) for (const { piece, t } of beforeHead) sse.feed(piece, t);
  const tail = text.finish();
  if (tail && sseLive) sse.feed(tail, end.t);
  const fullText = text.text();
  const contentType = response?.headers.findLast(([n]) => n === "content-type")?.[1];
  const sseApplied = o.sse === "always" || (o.sse === "auto" && isEventStream(contentType));

  const terminatorSeen = endStreamAt !== undefined;
  const complete = terminatorSeen && lengthMatches(o.method, response, bodyBytes);
  if (end.kind === "clean" && !complete) {
    const declared = response?.headers.find(([n]) => n === "content-length")?.[1];
    end = {
      ...end,
      kind: "fin-mid-body",
      detail: `END_STREAM after ${bodyBytes} body bytes, content-length says ${declared}`,
    };
  }

  const h2: H2Evidence = { alpn, frames };
  if (streamId !== undefined) h2.streamId = streamId;
  if (serverSettings) h2.serverSettings = serverSettings;
  if (goaway) h2.goaway = goaway;
  const incomplete = inbound.incompleteReason();
  if (incomplete) h2.incomplete = incomplete;

  const observation: ProbeObservation = {
    client: "h2",
    request: { method: o.method, url: o.url.href, headers: requestHeaders },
    startedAt,
    reads,
    chunks,
    body: Buffer.concat(
      bodyReads.map((r) => r.bytes),
      bodyBytes,
    ),
    bodyReads,
    terminatorSeen,
    complete,
    end,
    sse: sse.view(fullText, sseApplied),
    text: fullText,
    fetchView: { outcome: "not-run" },
    closedAt,
    h2,
  };
  if (closedBy) observation.closedBy = closedBy;
  if (o.body !== undefined) observation.request.body = o.body;
  if (connectedAt !== undefined) observation.connectedAt = connectedAt;
  if (response) observation.response = response;
  if (firstByteAt !== undefined) observation.firstByteAt = firstByteAt;
  if (firstBodyByteAt !== undefined) observation.firstBodyByteAt = firstBodyByteAt;
  if (disconnect) observation.disconnect = disconnect;
  if (trailers) observation.trailers = trailers;
  if (endStreamAt !== undefined) observation.terminatorAt = endStreamAt;
  if (interim.length > 0) observation.interim = interim;
  if (bytesAfterEnd > 0) observation.bytesAfterEnd = bytesAfterEnd;
  return observation;
}

/** The request as HTTP/2 header fields: pseudo-headers first, names lowercased, h1-only fields dropped. */
function buildH2Headers(o: ReturnType<typeof resolveProbeOptions>): Record<string, string> {
  const given = Object.entries(o.headers);
  const host = given.find(([n]) => n.toLowerCase() === "host")?.[1];
  const headers: Record<string, string> = {
    ":method": o.method,
    ":path": `${o.url.pathname}${o.url.search}`,
    ":scheme": "https",
    ":authority": host ?? o.url.host,
  };
  for (const [name, value] of given) {
    const lower = name.toLowerCase();
    if (H1_ONLY.has(lower)) continue;
    if (lower === "te" && value.toLowerCase() !== "trailers") continue;
    headers[lower] = value;
  }
  if (headers["content-length"] === undefined) {
    if (o.body !== undefined) headers["content-length"] = String(Buffer.byteLength(o.body, "utf8"));
    else if (["POST", "PUT", "PATCH"].includes(o.method.toUpperCase())) headers["content-length"] = "0";
  }
  return headers;
}

/** Header pairs in wire order from Node's raw list, without pseudo-headers. */
function headerPairs(headers: IncomingHttpHeaders, raw: string[] | undefined): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (raw) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (!raw[i]!.startsWith(":")) pairs.push([raw[i]!, raw[i + 1]!]);
    }
    return pairs;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) pairs.push([name, String(v)]);
  }
  return pairs;
}

function lengthMatches(method: string, response: ProbeObservation["response"], bodyBytes: number): boolean {
  if (
    !response ||
    method.toUpperCase() === "HEAD" ||
    response.statusCode === 204 ||
    response.statusCode === 304
  )
    return true;
  const declared = response.headers.find(([n]) => n === "content-length")?.[1];
  return declared === undefined || Number(declared) === bodyBytes;
}
