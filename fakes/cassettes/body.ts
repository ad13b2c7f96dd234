import { decodeBytes } from "./bytes.ts";
import type { Cassette } from "./cassette.ts";

/** One upstream write within the body: where its bytes sit and when they arrived. */
export interface WriteSpan {
  index: number;
  offset: number;
  length: number;
  /** Ms since the request started. */
  t: number;
}

export interface CassetteBody {
  /** The exact body bytes (transfer framing removed, content encoding kept). */
  bytes: Buffer;
  writes: WriteSpan[];
}

/** The body of a cassette's response as one buffer, with each write's place in it. */
export function cassetteBody(cassette: Cassette): CassetteBody {
  const pieces = (cassette.response?.writes ?? []).map((write) => decodeBytes(write));
  const writes: WriteSpan[] = [];
  let offset = 0;
  for (const [index, piece] of pieces.entries()) {
    writes.push({ index, offset, length: piece.length, t: cassette.response!.writes[index]!.t });
    offset += piece.length;
  }
  return { bytes: Buffer.concat(pieces), writes };
}

/** The write holding byte `offset` of the body (the last write for an offset at or past the end). */
export function writeAt(writes: readonly WriteSpan[], offset: number): WriteSpan | undefined {
  let low = 0;
  let high = writes.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (writes[mid]!.offset <= offset) low = mid;
    else high = mid - 1;
  }
  return writes[low];
}
