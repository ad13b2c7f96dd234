import type { TapBytes, TapConnection } from "../../proxies/toxiproxy/index.ts";
import type { HopFraming, HopMoment, HopSpec, HopSummary } from "./hop-types.ts";
import { readResponses, type TappedResponse } from "./read-responses.ts";

/**
 * One hop of one exchange, from its tapped connections: bytes each way, when the response's first
 * and last bytes crossed, how each side ended and how the response was framed, as the upstream box
 * sent it and (when a toxic changed it) as the client box got it. `origin` is the exchange's start
 * (the probe's `startedAt`): every `…Ms` counts from it.
 */
export function summarizeHop(spec: HopSpec, options: { origin: number }): HopSummary {
  const connections = spec.connections.filter(carriedSomething).sort((a, b) => a.openedAt - b.openedAt);
  const base = { name: spec.name, from: spec.from, to: spec.to };
  const last = connections.at(-1);
  if (!last) {
    return {
      ...base,
      bytesToUpstream: 0,
      bytesToDownstream: 0,
      end: { client: { kind: "open", by: "peer" }, upstream: { kind: "open", by: "peer" } },
      framing: { outcome: "no-response", bodyBytes: 0, chunks: 0, detail: "no connection crossed this hop" },
      connections: 0,
      responses: 0,
      tap: "none",
    };
  }
  const read = connections.map((connection) => readSide(connection, "sent"));
  const sent = read.at(-1)!.at(-1)!;
  const judged = (response: TappedResponse): HopFraming => {
    const { status } = response.framing;
    const semantic = spec.judge?.({
      headers: response.headers,
      body: response.body,
      ...(status === undefined ? {} : { status }),
    });
    return semantic === undefined ? response.framing : { ...response.framing, semantic };
  };
  const summary: HopSummary = {
    ...base,
    bytesToUpstream: sum(connections, (c) => c.toUpstream.sent.bytes),
    bytesToDownstream: sum(connections, (c) => c.toDownstream.sent.bytes),
    end: { client: last.client.end, upstream: last.upstream.end },
    framing: judged(sent),
    connections: connections.length,
    responses: sum(read, (responses) => responses.length),
    tap: last.tap,
  };
  const times = connections.flatMap((c) => [c.toDownstream.sent.firstAt, c.toDownstream.sent.lastAt]);
  const defined = times.filter((t): t is number => t !== undefined);
  if (defined.length > 0) {
    summary.firstByteMs = Math.min(...defined) - options.origin;
    summary.lastByteMs = Math.max(...defined) - options.origin;
  }
  const delivered = last.toDownstream.delivered ? readSide(last, "delivered").at(-1)! : undefined;
  if (delivered && !sameFraming(delivered.framing, sent.framing)) summary.delivered = judged(delivered);
  const moment = (pick: (r: TappedResponse) => number | undefined): HopMoment | undefined => {
    const sentAt = pick(sent);
    const deliveredAt = delivered ? pick(delivered) : sentAt;
    return sentAt === undefined || deliveredAt === undefined ? undefined : { sentAt, deliveredAt };
  };
  const firstResponseByte = moment((r) => r.firstByteAt);
  const firstBodyByte = moment((r) => r.firstBodyByteAt);
  if (firstResponseByte) summary.firstResponseByte = firstResponseByte;
  if (firstBodyByte) summary.firstBodyByte = firstBodyByte;
  return summary;
}

/** The responses of one connection, as sent by its upstream box or as delivered to its client box. */
function readSide(connection: TapConnection, side: "sent" | "delivered"): TappedResponse[] {
  const bytes: TapBytes = connection.toDownstream[side] ?? connection.toDownstream.sent;
  // What was delivered stopped when the client side ended: the proxy passing an end on, or the
  // client box itself leaving.
  const [senderEnd, receiverEnd] =
    side === "sent"
      ? [connection.upstream.end, connection.client.end]
      : [connection.client.end, connection.client.end];
  return readResponses(bytes, { method: requestMethod(connection), senderEnd, receiverEnd });
}

/**
 * A pooled connection that sat idle through the window (or was closed idle in it) carried nothing of
 * this exchange. A refused dial carried nothing either, but it is the exchange: the proxy holds the
 * client's bytes back until the upstream answers, so there are none to see.
 */
function carriedSomething(connection: TapConnection): boolean {
  return (
    connection.toUpstream.sent.bytes > 0 ||
    connection.toDownstream.sent.bytes > 0 ||
    connection.upstream.end.kind === "refused"
  );
}

function requestMethod(connection: TapConnection): string {
  const first = connection.toUpstream.sent.segments[0]?.bytes.subarray(0, 16).toString("latin1") ?? "";
  return /^([A-Z]+) /.exec(first)?.[1] ?? "GET";
}

function sameFraming(a: HopFraming, b: HopFraming): boolean {
  return a.outcome === b.outcome && a.bodyBytes === b.bodyBytes && a.status === b.status;
}

function sum<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}
