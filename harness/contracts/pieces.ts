import type { PieceCounter } from "../probe/options.ts";
import type { Contract } from "./contract.ts";

/**
 * What "after N events" means on each framing, for a scenario's disconnect trigger. SSE events are
 * counted by the probe's own parser (`afterEvents`); the other framings get a counter the probe
 * feeds with each body read. A contract with its own notion of a piece passes `pieceCounter`.
 */
export function pieceCounterFor(contract: Contract): PieceCounter | undefined {
  if (contract.pieceCounter) return contract.pieceCounter();
  if (contract.framing === "text") return textReads();
  if (contract.framing === "ndjson") return ndjsonLines();
  return undefined;
}

/**
 * A text stream has no boundaries but its reads: one piece per read that decodes to some text, as
 * the text-marker contract reads its tokens (a read holding only half a UTF-8 character is none).
 */
export function textReads(): PieceCounter {
  const decoder = new TextDecoder();
  let count = 0;
  return {
    unit: "text reads",
    push(bytes) {
      if (decoder.decode(bytes, { stream: true }) !== "") count++;
      return count;
    },
  };
}

/** One piece per complete non-empty line. */
export function ndjsonLines(): PieceCounter {
  let count = 0;
  let lineHasText = false;
  return {
    unit: "NDJSON lines",
    push(bytes) {
      for (const byte of bytes) {
        if (byte === 0x0a) {
          if (lineHasText) count++;
          lineHasText = false;
        } else if (byte !== 0x0d && byte !== 0x20 && byte !== 0x09) {
          lineHasText = true;
        }
      }
      return count;
    },
  };
}
