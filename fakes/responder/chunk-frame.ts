import type { ProviderStream } from "../types.ts";

/** Room for the longest chunk-size line: 8 hex digits (a 4 GiB chunk) and CRLF. */
const SIZE_LINE_ROOM = 10;
const SCRATCH_BYTES = 64 * 1024;
const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");
/** Framing space shared by every stream of the process (one thread writes them all). */
let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
/** Where the next frame goes: every byte before it may still be held by a pending write. */
let scratchFree = 0;

export interface FramedChunk {
  /** The whole chunk: size line, data, CRLF. */
  bytes: Buffer;
  dataLength: number;
  /** Marks the chunk's bytes as held by a pending write, so later frames go after them. */
  keep(): void;
}

const framed: FramedChunk & { end: number } = {
  bytes: scratch,
  dataLength: 0,
  end: 0,
  keep() {
    scratchFree = this.end;
  },
};

/** Hex digits of `n` (a chunk size line). */
function hexDigits(n: number): number {
  let digits = 1;
  for (let rest = n >>> 4; rest > 0; rest >>>= 4) digits++;
  return digits;
}

/** The most bytes a frame of `data` can take: UTF-8 takes at most 3 bytes per UTF-16 unit. */
function room(data: Buffer | string): number {
  return SIZE_LINE_ROOM + (typeof data === "string" ? data.length * 3 : data.length) + 2;
}

/**
 * Frames `data` at `at`, its size line first, with no gap before it; returns where it ends and
 * leaves its body bytes in `framed.dataLength`. The size line's length is guessed from `data`'s
 * (exact for bytes and ASCII text) and the data moved in the rare case UTF-8 made it longer.
 */
function frameAt(at: number, data: Buffer | string): number {
  const guess = hexDigits(data.length);
  let dataAt = at + guess + 2;
  const length = typeof data === "string" ? scratch.write(data, dataAt, "utf8") : data.copy(scratch, dataAt);
  const digits = hexDigits(length);
  if (digits !== guess) {
    scratch.copyWithin(at + digits + 2, dataAt, dataAt + length);
    dataAt = at + digits + 2;
  }
  return closeFrame(dataAt, length);
}

/** The size line's digits of the last token framed: the next one's guess (most are alike). */
let tokenDigits = 3;

/**
 * Frames a script token at `at`, written by the stream straight into the scratch
 * (ProviderStream.writeToken); returns where the frame ends, or -1, having written and drawn
 * nothing, when it might not fit. The size line's length is guessed from the token before, and
 * the data moved when the guess was wrong.
 */
function tokenAt(at: number, stream: ProviderStream, text: string, finish: boolean): number {
  const guess = tokenDigits;
  let dataAt = at + guess + 2;
  // Room for a longer size line than guessed, and for the closing CRLF.
  const length = stream.writeToken!(
    scratch,
    dataAt,
    SCRATCH_BYTES - (SIZE_LINE_ROOM - guess) - 2,
    text,
    finish,
  );
  if (length < 0) return -1;
  const digits = hexDigits(length);
  if (digits !== guess) {
    scratch.copyWithin(at + digits + 2, dataAt, dataAt + length);
    dataAt = at + digits + 2;
    tokenDigits = digits;
  }
  return closeFrame(dataAt, length);
}

/** Writes the size line just before `dataAt` and the CRLF after the data; returns the end. */
function closeFrame(dataAt: number, length: number): number {
  let p = dataAt - 2;
  scratch[p] = 0x0d;
  scratch[p + 1] = 0x0a;
  let size = length;
  do {
    scratch[--p] = HEX_DIGITS[size & 15]!;
    size >>>= 4;
  } while (size > 0);
  const end = dataAt + length;
  scratch[end] = 0x0d;
  scratch[end + 1] = 0x0a;
  framed.dataLength = length;
  return end + 2;
}

/**
 * Frames a script token as one chunk for a write of its own, written by `stream` straight into
 * the scratch (frameChunk's job without the string); undefined, having drawn nothing, when it
 * fits no scratch (render it instead).
 */
export function frameToken(stream: ProviderStream, text: string, finish: boolean): FramedChunk | undefined {
  let start = scratchFree;
  let end = tokenAt(start, stream, text, finish);
  if (end < 0) {
    if (start === 0) return undefined;
    freshScratch();
    start = 0;
    end = tokenAt(start, stream, text, finish);
    if (end < 0) return undefined;
  }
  framed.end = end;
  framed.bytes = scratch.subarray(start, end);
  return framed;
}

/**
 * Appends a script token's frame to the batch (appendFrame's job without the string); returns
 * its body bytes, or -1, having drawn nothing, when the scratch has no room left for it.
 */
export function appendToken(stream: ProviderStream, text: string, finish: boolean): number {
  const end = tokenAt(scratchFree, stream, text, finish);
  if (end < 0) return -1;
  scratchFree = end;
  return framed.dataLength;
}

/**
 * Frames `data` as one HTTP/1.1 chunk, for a write of its own. Why a shared scratch and not a
 * buffer per event: a string is encoded once, straight into place, and its UTF-8 length comes out
 * of that write, where a fresh buffer took a byteLength pass, an allocation and four small writes,
 * at 10^4 events/s. A frame is written at `scratchFree`: bytes a socket wrote at once are free
 * again for the next frame, and only ones it still holds push the start on (`keep`). A full
 * scratch is replaced, and the old one lives as long as a pending write holds part of it.
 */
export function frameChunk(data: Buffer | string): FramedChunk {
  const need = room(data);
  if (need > SCRATCH_BYTES) return frameAlone(data);
  if (need > SCRATCH_BYTES - scratchFree) freshScratch();
  const start = scratchFree;
  framed.end = frameAt(start, data);
  framed.bytes = scratch.subarray(start, framed.end);
  return framed;
}

/**
 * Frames `data` straight after the frames before it, for a batch of them to leave in one socket
 * write (frameMark, framesSince); returns its body bytes, or -1 when the scratch has no room left
 * for it: send what is framed, then take a fresh scratch (freshScratch) and frame it there.
 */
export function appendFrame(data: Buffer | string): number {
  if (room(data) > SCRATCH_BYTES - scratchFree) return -1;
  scratchFree = frameAt(scratchFree, data);
  return framed.dataLength;
}

/** Where the next appended frame goes: a batch starts here. */
export function frameMark(): number {
  return scratchFree;
}

/** The frames appended since `mark`, back to back, for one socket write. */
export function framesSince(mark: number): Buffer {
  return scratch.subarray(mark, scratchFree);
}

/** The frames since `mark` left at once (the socket holds none of them): their bytes are free again. */
export function releaseFrames(mark: number): void {
  scratchFree = mark;
}

/** Replaces a full scratch; the old one lives as long as a pending write holds part of it. */
export function freshScratch(): void {
  scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  scratchFree = 0;
}

/** A chunk too big for the scratch, in a buffer of its own (nothing to keep). */
function frameAlone(data: Buffer | string): FramedChunk {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  const head = Buffer.from(`${bytes.length.toString(16)}\r\n`, "latin1");
  return {
    bytes: Buffer.concat([head, bytes, CRLF]),
    dataLength: bytes.length,
    keep() {},
  };
}

const CRLF = Buffer.from("\r\n", "latin1");
