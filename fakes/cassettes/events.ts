import { type CassetteBody, cassetteBody, writeAt } from "./body.ts";
import type { Cassette } from "./cassette.ts";
import type { FramedEvent } from "./framing/framed-event.ts";
import { type Framing, framingOf, splitBody } from "./framing/framing.ts";
import { headerValue } from "./headers.ts";

/** One provider event of a cassette's body: its bytes' place, and when they arrived. */
export interface CassetteEvent extends FramedEvent {
  index: number;
  /** When its first byte arrived (ms since the request started). */
  firstT: number;
  /** When its last byte arrived: when a client could first read it whole. */
  t: number;
}

export interface CassetteEvents {
  framing: Framing;
  /** Set when the body is content-encoded (gzip...): its events are not split, it is one piece. */
  encoding: string | undefined;
  body: CassetteBody;
  events: CassetteEvent[];
}

/**
 * The body of a cassette cut into its provider events (SSE events, NDJSON lines, array elements),
 * each with its byte offset and arrival times, for `cassette show` and for placing faults in a replay.
 */
export function cassetteEvents(cassette: Cassette): CassetteEvents {
  const body = cassetteBody(cassette);
  const headers = cassette.response?.headers;
  const contentEncoding = headerValue(headers, "content-encoding")?.trim().toLowerCase();
  const encoding = contentEncoding && contentEncoding !== "identity" ? contentEncoding : undefined;
  const framing = encoding ? "whole" : framingOf(headerValue(headers, "content-type"), body.bytes);
  const framed = splitBody(framing, body.bytes);
  const start = cassette.response?.t ?? 0;
  const events = framed.map((event, index) => ({
    ...event,
    ...(encoding ? { type: `${encoding} body`, data: "" } : {}),
    index,
    firstT: writeAt(body.writes, event.offset)?.t ?? start,
    t: writeAt(body.writes, event.offset + event.length - 1)?.t ?? start,
  }));
  return { framing, encoding, body, events };
}
