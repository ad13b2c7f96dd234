import type { TapBytes, TapConnection } from "./tap-types.ts";

/**
 * TapConnection as JSON (the embedded API's `GET /proxies/{name}/taps`, and results that keep raw
 * bytes): each segment is `[t, base64]`, the tail base64.
 */
export interface TapBytesJson {
  segments: Array<[t: number, base64: string]>;
  bytes: number;
  firstAt?: number;
  lastAt?: number;
  truncatedAt?: number;
  tail?: string;
}

export interface TapDirectionJson {
  sent: TapBytesJson;
  delivered?: TapBytesJson;
}

export interface TapConnectionJson extends Omit<TapConnection, "toUpstream" | "toDownstream"> {
  toUpstream: TapDirectionJson;
  toDownstream: TapDirectionJson;
}

export function tapToJson(connection: TapConnection): TapConnectionJson {
  return {
    ...connection,
    toUpstream: mapDirection(connection.toUpstream, bytesToJson),
    toDownstream: mapDirection(connection.toDownstream, bytesToJson),
  };
}

export function tapFromJson(json: TapConnectionJson): TapConnection {
  return {
    ...json,
    toUpstream: mapDirection(json.toUpstream, bytesFromJson),
    toDownstream: mapDirection(json.toDownstream, bytesFromJson),
  };
}

function mapDirection<A, B>(
  direction: { sent: A; delivered?: A },
  map: (bytes: A) => B,
): { sent: B; delivered?: B } {
  return direction.delivered === undefined
    ? { sent: map(direction.sent) }
    : { sent: map(direction.sent), delivered: map(direction.delivered) };
}

function bytesToJson({ segments, tail, ...rest }: TapBytes): TapBytesJson {
  const json: TapBytesJson = { ...rest, segments: segments.map((s) => [s.t, s.bytes.toString("base64")]) };
  if (tail !== undefined) json.tail = tail.toString("base64");
  return json;
}

function bytesFromJson({ segments, tail, ...rest }: TapBytesJson): TapBytes {
  const bytes: TapBytes = {
    ...rest,
    segments: segments.map(([t, base64]) => ({ t, bytes: Buffer.from(base64, "base64") })),
  };
  if (tail !== undefined) bytes.tail = Buffer.from(tail, "base64");
  return bytes;
}
