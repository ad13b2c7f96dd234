import type { H2Frame } from "../observation.ts";

/**
 * Incremental HTTP/2 frame reader (RFC 9113 §4.1, §6): the 9-byte frame headers and the few payload
 * fields that say how a stream ended (END_STREAM, RST_STREAM and GOAWAY error codes, padding around
 * DATA). It does not decode header blocks: HPACK is left to Node's nghttp2, which the probe lets run
 * the protocol on the same bytes. Like the HTTP/1.1 decoder it never throws on wire input and only
 * carries a partial frame between reads.
 */

const HEADER = 9;
const EMPTY = Buffer.alloc(0);
/** Sent by the client before its first frame (RFC 9113 §3.4). */
export const CLIENT_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

const TYPES = [
  "DATA",
  "HEADERS",
  "PRIORITY",
  "RST_STREAM",
  "SETTINGS",
  "PUSH_PROMISE",
  "PING",
  "GOAWAY",
  "WINDOW_UPDATE",
  "CONTINUATION",
];
export const FRAME = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export const FLAG = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4, PADDED: 0x8, PRIORITY: 0x20 } as const;

/** RFC 9113 §7. */
const ERROR_CODES = [
  "NO_ERROR",
  "PROTOCOL_ERROR",
  "INTERNAL_ERROR",
  "FLOW_CONTROL_ERROR",
  "SETTINGS_TIMEOUT",
  "STREAM_CLOSED",
  "FRAME_SIZE_ERROR",
  "REFUSED_STREAM",
  "CANCEL",
  "COMPRESSION_ERROR",
  "CONNECT_ERROR",
  "ENHANCE_YOUR_CALM",
  "INADEQUATE_SECURITY",
  "HTTP_1_1_REQUIRED",
];
const SETTINGS: Record<number, string> = {
  1: "HEADER_TABLE_SIZE",
  2: "ENABLE_PUSH",
  3: "MAX_CONCURRENT_STREAMS",
  4: "INITIAL_WINDOW_SIZE",
  5: "MAX_FRAME_SIZE",
  6: "MAX_HEADER_LIST_SIZE",
  8: "ENABLE_CONNECT_PROTOCOL",
  9: "NO_RFC7540_PRIORITIES",
};

export function errorCodeName(code: number): string {
  return ERROR_CODES[code] ?? `UNKNOWN_0x${code.toString(16)}`;
}

export function frameTypeName(type: number): string {
  return TYPES[type] ?? `UNKNOWN_0x${type.toString(16)}`;
}

function flagNames(type: number, flags: number): string[] {
  const names: string[] = [];
  const has = (bit: number) => (flags & bit) !== 0;
  if (type === FRAME.DATA || type === FRAME.HEADERS) {
    if (has(FLAG.END_STREAM)) names.push("END_STREAM");
  }
  if ((type === FRAME.SETTINGS || type === FRAME.PING) && has(FLAG.ACK)) names.push("ACK");
  if (type === FRAME.HEADERS || type === FRAME.PUSH_PROMISE || type === FRAME.CONTINUATION) {
    if (has(FLAG.END_HEADERS)) names.push("END_HEADERS");
  }
  if ((type === FRAME.DATA || type === FRAME.HEADERS || type === FRAME.PUSH_PROMISE) && has(FLAG.PADDED))
    names.push("PADDED");
  if (type === FRAME.HEADERS && has(FLAG.PRIORITY)) names.push("PRIORITY");
  return names;
}

export interface FrameSink {
  /** Every complete frame, in order. `data` is a DATA frame's payload without its padding. */
  onFrame(frame: H2Frame, data: Buffer | undefined): void;
}

export class H2FrameReader {
  readonly frames: H2Frame[] = [];
  /** Set when the input is not HTTP/2 at all (a bad client preface); every byte after is ignored. */
  malformed: string | undefined;
  #pending: Buffer = EMPTY;
  #pendingSince = 0;
  #prefaceLeft: number;

  constructor(
    private readonly direction: "in" | "out",
    private readonly sink: FrameSink = { onFrame: () => {} },
    options: { preface?: boolean } = {},
  ) {
    this.#prefaceLeft = options.preface ? CLIENT_PREFACE.length : 0;
  }

  push(bytes: Buffer, t: number): void {
    if (bytes.length === 0 || this.malformed) return;
    let buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, bytes]) : bytes;
    if (this.#pending.length === 0) this.#pendingSince = t;
    this.#pending = EMPTY;
    if (this.#prefaceLeft > 0) {
      const seen = CLIENT_PREFACE.length - this.#prefaceLeft;
      const take = Math.min(this.#prefaceLeft, buf.length);
      if (!buf.subarray(0, take).equals(CLIENT_PREFACE.subarray(seen, seen + take))) {
        this.malformed = "not the HTTP/2 client preface";
        return;
      }
      this.#prefaceLeft -= take;
      buf = buf.subarray(take);
    }
    let i = 0;
    while (buf.length - i >= HEADER) {
      const length = buf.readUIntBE(i, 3);
      if (buf.length - i < HEADER + length) break;
      const type = buf[i + 3]!;
      const flags = buf[i + 4]!;
      const streamId = buf.readUInt32BE(i + 5) & 0x7fffffff;
      const payload = buf.subarray(i + HEADER, i + HEADER + length);
      // A frame split across reads carries both times: when it began and when it was whole.
      const startT = i === 0 ? this.#pendingSince : t;
      this.#frame(type, flags, streamId, payload, t, startT);
      i += HEADER + length;
    }
    if (i < buf.length) {
      // Keep a copy: the caller's buffer may be reused, and a subarray would pin the whole read.
      this.#pending = Buffer.from(buf.subarray(i));
      this.#pendingSince = i === 0 ? this.#pendingSince : t;
    }
  }

  /** Where reading stood when input stopped: undefined between frames. */
  incompleteReason(): string | undefined {
    if (this.#prefaceLeft > 0 && this.#prefaceLeft < CLIENT_PREFACE.length)
      return "inside the client preface";
    const have = this.#pending.length;
    if (have === 0) return undefined;
    if (have < HEADER) return `inside a frame header: ${have} of ${HEADER} bytes`;
    const length = this.#pending.readUIntBE(0, 3);
    const type = frameTypeName(this.#pending[3]!);
    const streamId = this.#pending.readUInt32BE(5) & 0x7fffffff;
    return `inside a ${type} frame on stream ${streamId}: ${have - HEADER} of ${length} payload bytes`;
  }

  #frame(type: number, flags: number, streamId: number, payload: Buffer, t: number, startT: number): void {
    const frame: H2Frame = {
      t,
      direction: this.direction,
      type: frameTypeName(type),
      flags: flagNames(type, flags),
      streamId,
      length: payload.length,
    };
    if (startT !== t) frame.startT = startT;
    let data: Buffer | undefined;
    const bad = (why: string) => {
      frame.malformed = why;
    };
    switch (type) {
      case FRAME.DATA:
      case FRAME.HEADERS: {
        let body = payload;
        if (flags & FLAG.PADDED) {
          const pad = payload[0];
          if (pad === undefined || pad >= payload.length) {
            bad(`pad length ${pad ?? "missing"} does not fit a ${payload.length}-byte payload`);
            body = EMPTY;
          } else {
            frame.padLength = pad;
            body = payload.subarray(1, payload.length - pad);
          }
        }
        if (type === FRAME.HEADERS && flags & FLAG.PRIORITY && !frame.malformed) {
          if (body.length < 5) bad("PRIORITY flag without its 5 bytes");
          else body = body.subarray(5);
        }
        if (flags & FLAG.END_STREAM) frame.endStream = true;
        if (type === FRAME.DATA) {
          frame.dataLength = body.length;
          data = body;
        } else {
          frame.blockLength = body.length;
        }
        break;
      }
      case FRAME.RST_STREAM:
        if (payload.length !== 4) bad(`RST_STREAM payload of ${payload.length} bytes, not 4`);
        else this.#errorCode(frame, payload.readUInt32BE(0));
        break;
      case FRAME.GOAWAY:
        if (payload.length < 8) bad(`GOAWAY payload of ${payload.length} bytes, under 8`);
        else {
          frame.lastStreamId = payload.readUInt32BE(0) & 0x7fffffff;
          this.#errorCode(frame, payload.readUInt32BE(4));
          if (payload.length > 8) frame.debug = payload.subarray(8).toString("utf8");
        }
        break;
      case FRAME.SETTINGS:
        if (payload.length % 6 !== 0) bad(`SETTINGS payload of ${payload.length} bytes, not a multiple of 6`);
        else if (payload.length > 0) {
          frame.settings = [];
          for (let j = 0; j < payload.length; j += 6) {
            const id = payload.readUInt16BE(j);
            frame.settings.push({
              name: SETTINGS[id] ?? `0x${id.toString(16)}`,
              value: payload.readUInt32BE(j + 2),
            });
          }
        }
        break;
      case FRAME.WINDOW_UPDATE:
        if (payload.length !== 4) bad(`WINDOW_UPDATE payload of ${payload.length} bytes, not 4`);
        else frame.windowIncrement = payload.readUInt32BE(0) & 0x7fffffff;
        break;
      default:
        break;
    }
    this.frames.push(frame);
    this.sink.onFrame(frame, data);
  }

  #errorCode(frame: H2Frame, code: number): void {
    frame.errorCode = code;
    frame.errorName = errorCodeName(code);
  }
}

/** A frame as bytes, for tests and fixtures (RFC 9113 §4.1). */
export function encodeFrame(type: number, flags: number, streamId: number, payload: Buffer = EMPTY): Buffer {
  const header = Buffer.alloc(HEADER);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** One line per frame for evidence: `in  DATA s1 len=38 [END_STREAM] +12.3ms`. */
export function describeFrame(frame: H2Frame, origin?: number): string {
  const parts = [
    frame.direction === "in" ? "in " : "out",
    frame.type,
    `s${frame.streamId}`,
    `len=${frame.length}`,
  ];
  if (frame.flags.length) parts.push(`[${frame.flags.join(",")}]`);
  if (frame.errorName) parts.push(frame.errorName);
  if (frame.lastStreamId !== undefined) parts.push(`last=${frame.lastStreamId}`);
  if (frame.debug) parts.push(JSON.stringify(frame.debug));
  if (frame.malformed) parts.push(`malformed: ${frame.malformed}`);
  if (origin !== undefined) parts.push(`+${(frame.t - origin).toFixed(1)}ms`);
  return parts.join(" ");
}
