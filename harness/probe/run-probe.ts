import { createConnection } from "node:net";
import { now } from "../../lib/clock.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import { replayThroughFetch } from "./fetch-view.ts";
import { describeBytes } from "./helpers.ts";
import { HttpResponseDecoder } from "./http-decoder.ts";
import { BodyText, isEventStream, SseRecorder } from "./internal/body-views.ts";
import { ProbeTimers } from "./internal/timers.ts";
import type { ProbeEndKind, ProbeObservation, ProbeRead } from "./observation.ts";
import { buildRequest, type ProbeOptions, resolveProbeOptions } from "./options.ts";

type End = ProbeObservation["end"];

/** Codes that mean the peer (or a middlebox) reset the connection rather than closing it. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

/**
 * Sends one HTTP/1.1 request on a raw socket and records everything the server did: every read with
 * its time, the framing as it arrived, and exactly how the connection ended. It resolves (never
 * rejects) for anything the server or network does; only invalid options throw (a UserError).
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeObservation> {
  const o = resolveProbeOptions(options);
  const request = buildRequest(o);
  const startedAt = now();
  const reads: ProbeRead[] = [];
  const text = new BodyText();
  const disconnectOpt = o.disconnect;

  let end: End | undefined;
  let disconnect: ProbeObservation["disconnect"];
  let connectedAt: number | undefined;
  let firstByteAt: number | undefined;
  let closedBy: ProbeObservation["closedBy"];
  let peerFin = false;
  let pendingHangUp: string | undefined;
  let bytesAfterEnd = 0;

  const sse = new SseRecorder((count) => {
    if (disconnectOpt?.afterEvents !== undefined && count >= disconnectOpt.afterEvents) {
      pendingHangUp ??= `after ${count} SSE events`;
    }
  });
  // The parser only runs when someone will read it: a 10 MB JSON body should not pay for SSE parsing.
  let sseLive = false;
  const decoder = new HttpResponseDecoder(o.method, {
    onHead: (head) => {
      const contentType = head.headers.findLast(([n]) => n.toLowerCase() === "content-type")?.[1];
      sseLive =
        o.sse === "always" ||
        (o.sse === "auto" && isEventStream(contentType)) ||
        disconnectOpt?.afterEvents !== undefined;
      if (
        disconnectOpt?.afterEvents === 0 ||
        disconnectOpt?.afterBytes === 0 ||
        disconnectOpt?.afterPieces?.count === 0
      )
        pendingHangUp ??= "after the headers";
    },
    onBody: (bytes, t) => {
      const piece = text.push(bytes);
      if (sseLive) sse.feed(piece, t);
      if (disconnectOpt?.afterBytes !== undefined && decoder.bodyBytes >= disconnectOpt.afterBytes) {
        pendingHangUp ??= `after ${decoder.bodyBytes} body bytes`;
      }
    },
  });

  // Body reads go to the piece counter as they complete (bodyReads holds one entry per socket read).
  const pieces = disconnectOpt?.afterPieces;
  let piecesFed = 0;
  const countPieces = () => {
    if (!pieces) return;
    for (; piecesFed < decoder.bodyReads.length; piecesFed++) {
      const count = pieces.counter.push(decoder.bodyReads[piecesFed]!.bytes);
      if (count >= pieces.count) pendingHangUp ??= `after ${count} ${pieces.counter.unit}`;
    }
  };

  const socket = createConnection({ host: o.host, port: o.port });
  const untrack = trackLive({ [Symbol.asyncDispose]: async () => void socket.destroy() });
  const timers = new ProbeTimers();
  const armIdle = () => {
    if (o.idleTimeoutMs === undefined || end || decoder.complete) return;
    const ms = o.idleTimeoutMs;
    timers.idle(ms, () => finish("timeout", now(), withWhere(`idle: no byte for ${ms}ms`)));
  };

  const withWhere = (what: string) => {
    const where = decoder.incompleteReason();
    return where ? `${what}; ${where}` : what;
  };

  /** Closes our side. A FIN keeps reading (and discarding) so unread data never turns our close into an RST. */
  const closeSocket = (how: "fin" | "rst" | "destroy") => {
    if (socket.destroyed) return;
    if (connectedAt === undefined) {
      socket.destroy();
    } else if (how === "rst") {
      socket.resetAndDestroy();
    } else if (how === "fin" && !peerFin) {
      socket.end();
      timers.after(Math.max(o.lingerMs, 50), () => socket.destroy());
    } else {
      socket.destroy();
    }
  };

  const finish = (
    kind: ProbeEndKind,
    t: number,
    detail?: string,
    how: "fin" | "rst" | "destroy" = "destroy",
  ) => {
    if (end) return;
    end = detail === undefined ? { kind, t } : { kind, t, detail };
    // The end/error handlers name the peer first; anything else is us closing.
    if (kind !== "connect-failed") closedBy ??= "probe";
    timers.clear();
    closeSocket(how);
  };

  const hangUp = (reason: string) => {
    if (end) return;
    if (decoder.complete) {
      // The answer was already whole (we were only lingering for the FIN): that is a clean end, not a hang-up.
      finish("clean", decoder.completedAt ?? now(), `complete before the probe would have hung up ${reason}`);
      return;
    }
    const t = now();
    disconnect = { reason, t };
    finish("client-disconnect", t, withWhere(`probe hung up ${reason}`), disconnectOpt?.mode ?? "fin");
  };

  const onComplete = () => {
    const t = decoder.completedAt ?? now();
    const askedClose = Object.entries(request.headers).some(
      ([n, v]) => n.toLowerCase() === "connection" && v.toLowerCase() === "close",
    );
    if (peerFin || !askedClose || o.lingerMs === 0) {
      finish("clean", t);
      return;
    }
    // Wait a little for the peer's FIN: it tells us whether anything was written after the terminator.
    timers.cancelIdle();
    timers.after(o.lingerMs, () =>
      finish("clean", t, `peer kept the connection open ${o.lingerMs}ms after the complete body`),
    );
  };

  const done = new Promise<number>((resolve) => socket.once("close", () => resolve(now())));

  timers.after(o.timeoutMs, () => {
    if (decoder.complete)
      finish("clean", decoder.completedAt ?? now(), `total timeout ${o.timeoutMs}ms while lingering`);
    else
      finish(
        "timeout",
        now(),
        withWhere(`total timeout ${o.timeoutMs}ms${connectedAt ? "" : " while connecting"}`),
      );
  });
  const onAbort = () => hangUp(`on abort signal (${String(o.signal?.reason)})`);
  if (o.signal?.aborted) onAbort();
  else o.signal?.addEventListener("abort", onAbort, { once: true });

  socket.on("connect", () => {
    connectedAt = now();
    armIdle();
    socket.write(request.bytes, () => {
      if (disconnectOpt?.beforeFirstByte && firstByteAt === undefined)
        hangUp("before the first response byte");
      if (disconnectOpt?.afterMs !== undefined) {
        timers.after(disconnectOpt.afterMs, () => hangUp(`${disconnectOpt.afterMs}ms after the request`));
      }
    });
  });

  socket.on("data", (bytes: Buffer) => {
    const t = now();
    if (end) {
      // After our own hang-up we drain (unread data would turn the close into an RST) and only count.
      bytesAfterEnd += bytes.length;
      return;
    }
    reads.push({ t, bytes });
    firstByteAt ??= t;
    const wasComplete = decoder.complete;
    decoder.push(bytes, t);
    if (end) return;
    armIdle();
    countPieces();
    if (pendingHangUp !== undefined) hangUp(pendingHangUp);
    else if (!wasComplete && decoder.complete) onComplete();
  });

  socket.on("end", () => {
    peerFin = true;
    closedBy ??= "peer-fin";
    const t = now();
    decoder.endOfInput(t);
    if (decoder.complete) finish("clean", decoder.completedAt ?? t);
    else finish("fin-mid-body", t, decoder.incompleteReason() ?? "peer closed before the body was complete");
  });

  socket.on("error", (error: NodeJS.ErrnoException) => {
    const t = now();
    const code = error.code ?? "UNKNOWN";
    if (connectedAt === undefined) {
      finish("connect-failed", t, `${code}: ${error.message}`);
      return;
    }
    if (RESET_CODES.has(code)) closedBy ??= "peer-rst";
    if (decoder.complete) finish("clean", decoder.completedAt ?? t, `${code} after the complete body`);
    else finish("rst", t, withWhere(`${code}: ${error.message}`));
  });

  const closedAt = await done;
  o.signal?.removeEventListener("abort", onAbort);
  timers.clear();
  untrack();
  if (!end) {
    // 'close' without 'end' or 'error': treat like a FIN so the observation is never missing an end.
    decoder.endOfInput(closedAt);
    end = decoder.complete
      ? { kind: "clean", t: decoder.completedAt ?? closedAt }
      : { kind: "fin-mid-body", t: closedAt, detail: decoder.incompleteReason() ?? "socket closed" };
  }

  const tail = text.finish();
  if (tail && sseLive) sse.feed(tail, end.t);
  const fullText = text.text();
  const contentType = decoder.head?.headers.findLast(([n]) => n.toLowerCase() === "content-type")?.[1];
  const sseApplied = o.sse === "always" || (o.sse === "auto" && isEventStream(contentType));

  const leftovers = decoder.leftovers();
  if (end.kind === "clean" && leftovers) {
    const extra = `${leftovers.length} bytes after the complete response: ${describeBytes(leftovers, 120)}`;
    end.detail = end.detail ? `${end.detail}; ${extra}` : extra;
  }

  const observation: ProbeObservation = {
    request: { method: o.method, url: o.url.href, headers: request.headers },
    startedAt,
    reads,
    chunks: decoder.chunks,
    body: Buffer.concat(
      decoder.bodyReads.map((r) => r.bytes),
      decoder.bodyBytes,
    ),
    bodyReads: decoder.bodyReads,
    terminatorSeen: decoder.terminatorAt !== undefined,
    complete: decoder.complete,
    end,
    sse: sse.view(fullText, sseApplied),
    text: fullText,
    fetchView: { outcome: "not-run" },
    closedAt,
  };
  if (closedBy) observation.closedBy = closedBy;
  if (o.body !== undefined) observation.request.body = o.body;
  if (connectedAt !== undefined) observation.connectedAt = connectedAt;
  if (decoder.head) observation.response = decoder.head;
  if (firstByteAt !== undefined) observation.firstByteAt = firstByteAt;
  if (decoder.firstBodyByteAt !== undefined) observation.firstBodyByteAt = decoder.firstBodyByteAt;
  if (leftovers) observation.trailingGarbage = leftovers;
  if (disconnect) observation.disconnect = disconnect;
  if (decoder.trailers) observation.trailers = decoder.trailers;
  if (decoder.terminatorAt !== undefined) observation.terminatorAt = decoder.terminatorAt;
  if (decoder.interim.length > 0) observation.interim = decoder.interim;
  if (decoder.notes.length > 0) observation.notes = decoder.notes;
  if (bytesAfterEnd > 0) observation.bytesAfterEnd = bytesAfterEnd;

  if (o.fetchView) {
    observation.fetchView = await replayThroughFetch({ method: o.method, reads, end, closedBy });
  }
  return observation;
}
