import { isUtf8 } from "node:buffer";
import type { CassetteBytes } from "./cassette.ts";

/**
 * Bytes in a cassette's JSON. Text when the bytes are valid UTF-8 on their own, so a cassette reads
 * and diffs like the stream it holds and can be edited by hand; base64 otherwise, so nothing is ever
 * re-encoded: a character split across two writes keeps its two halves in two base64 writes, and a
 * binary body survives. JSON escapes whatever the text needs, and valid UTF-8 decodes to a string
 * with no lone surrogate, so `text` round-trips to the same bytes.
 */
export function encodeBytes(bytes: Uint8Array): CassetteBytes {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buffer) ? { text: buffer.toString("utf8") } : { base64: buffer.toString("base64") };
}

export function decodeBytes(bytes: CassetteBytes): Buffer {
  return "text" in bytes ? Buffer.from(bytes.text, "utf8") : Buffer.from(bytes.base64, "base64");
}
