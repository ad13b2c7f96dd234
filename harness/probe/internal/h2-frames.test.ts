import { describe, expect, it } from "vitest";
import type { H2Frame } from "../observation.ts";
import { CLIENT_PREFACE, describeFrame, encodeFrame, FLAG, FRAME, H2FrameReader } from "./h2-frames.ts";

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => {
    b.writeUInt32BE(v, 4 * i);
  });
  return b;
}

function reader(options: { preface?: boolean } = {}) {
  const data: Array<{ frame: H2Frame; data: string | undefined }> = [];
  const r = new H2FrameReader(
    "in",
    { onFrame: (frame, bytes) => data.push({ frame, data: bytes?.toString() }) },
    options,
  );
  return { r, data };
}

const settings = encodeFrame(
  FRAME.SETTINGS,
  0,
  0,
  Buffer.from([0, 3, 0, 0, 0, 128, 0, 4, 0, 1, 0, 0]), // MAX_CONCURRENT_STREAMS 128, INITIAL_WINDOW_SIZE 65536
);
const headers = encodeFrame(FRAME.HEADERS, FLAG.END_HEADERS, 1, Buffer.from([0x88])); // :status 200 (static index 8)
const data1 = encodeFrame(FRAME.DATA, 0, 1, Buffer.from("data: a\n\n"));
const dataEnd = encodeFrame(FRAME.DATA, FLAG.END_STREAM, 1, Buffer.from("data: b\n\n"));

describe("H2FrameReader", () => {
  it("reads several frames from one read, with their types, flags and payload fields", () => {
    const { r, data } = reader();
    r.push(Buffer.concat([settings, headers, data1, dataEnd]), 100);
    expect(r.frames.map((f) => f.type)).toEqual(["SETTINGS", "HEADERS", "DATA", "DATA"]);
    expect(r.frames[0]!.settings).toEqual([
      { name: "MAX_CONCURRENT_STREAMS", value: 128 },
      { name: "INITIAL_WINDOW_SIZE", value: 65536 },
    ]);
    expect(r.frames[1]).toMatchObject({ streamId: 1, flags: ["END_HEADERS"], blockLength: 1, t: 100 });
    expect(data.map((d) => d.data)).toEqual([undefined, undefined, "data: a\n\n", "data: b\n\n"]);
    expect(r.frames[3]).toMatchObject({ endStream: true, flags: ["END_STREAM"], dataLength: 9 });
    expect(r.frames.every((f) => f.startT === undefined)).toBe(true);
    expect(r.incompleteReason()).toBeUndefined();
  });

  it("carries a frame split across reads, byte by byte, and stamps when it began and ended", () => {
    const { r, data } = reader();
    const wire = Buffer.concat([data1, dataEnd]);
    wire.forEach((byte, i) => {
      r.push(Buffer.from([byte]), 1000 + i);
    });
    expect(data.map((d) => d.data)).toEqual(["data: a\n\n", "data: b\n\n"]);
    expect(r.frames[0]).toMatchObject({ startT: 1000, t: 1000 + data1.length - 1 });
    expect(r.frames[1]).toMatchObject({ startT: 1000 + data1.length, t: 1000 + wire.length - 1 });
  });

  it("finishes a frame and starts the next in the same read, keeping only the partial rest", () => {
    const { r } = reader();
    const wire = Buffer.concat([data1, dataEnd]);
    r.push(wire.subarray(0, 5), 1);
    expect(r.incompleteReason()).toBe("inside a frame header: 5 of 9 bytes");
    r.push(wire.subarray(5, data1.length + 12), 2);
    expect(r.frames).toHaveLength(1);
    expect(r.frames[0]).toMatchObject({ startT: 1, t: 2 });
    expect(r.incompleteReason()).toBe("inside a DATA frame on stream 1: 3 of 9 payload bytes");
    r.push(wire.subarray(data1.length + 12), 3);
    expect(r.frames[1]).toMatchObject({ startT: 2, t: 3, endStream: true });
  });

  it("strips DATA padding (RFC 9113 §6.1) and HEADERS padding and priority (§6.2)", () => {
    const { r, data } = reader();
    const padded = encodeFrame(
      FRAME.DATA,
      FLAG.PADDED | FLAG.END_STREAM,
      3,
      Buffer.concat([Buffer.from([4]), Buffer.from("hi"), Buffer.alloc(4)]),
    );
    const headersPadded = encodeFrame(
      FRAME.HEADERS,
      FLAG.PADDED | FLAG.PRIORITY | FLAG.END_HEADERS,
      3,
      Buffer.concat([Buffer.from([2]), u32(0), Buffer.from([15]), Buffer.from([0x88]), Buffer.alloc(2)]),
    );
    r.push(Buffer.concat([headersPadded, padded]), 5);
    expect(r.frames[0]).toMatchObject({
      padLength: 2,
      blockLength: 1,
      flags: ["END_HEADERS", "PADDED", "PRIORITY"],
    });
    expect(r.frames[1]).toMatchObject({ padLength: 4, dataLength: 2, length: 7, endStream: true });
    expect(data[1]!.data).toBe("hi");
  });

  it("flags padding that does not fit instead of throwing, and keeps reading", () => {
    const { r } = reader();
    const bad = encodeFrame(FRAME.DATA, FLAG.PADDED, 1, Buffer.from([9, 1, 2]));
    r.push(Buffer.concat([bad, dataEnd]), 1);
    expect(r.frames[0]!.malformed).toMatch(/pad length 9/);
    expect(r.frames[1]!.endStream).toBe(true);
  });

  it("names RST_STREAM and GOAWAY error codes and reads GOAWAY's last stream and debug data", () => {
    const { r } = reader();
    r.push(
      Buffer.concat([
        encodeFrame(FRAME.RST_STREAM, 0, 1, u32(2)),
        encodeFrame(FRAME.GOAWAY, 0, 0, Buffer.concat([u32(1, 0xb), Buffer.from("calm down")])),
        encodeFrame(FRAME.RST_STREAM, 0, 3, u32(0x42)),
        encodeFrame(FRAME.RST_STREAM, 0, 5, Buffer.from([0, 8])),
      ]),
      7,
    );
    expect(r.frames[0]).toMatchObject({ type: "RST_STREAM", errorCode: 2, errorName: "INTERNAL_ERROR" });
    expect(r.frames[1]).toMatchObject({
      type: "GOAWAY",
      lastStreamId: 1,
      errorName: "ENHANCE_YOUR_CALM",
      debug: "calm down",
    });
    expect(r.frames[2]!.errorName).toBe("UNKNOWN_0x42");
    expect(r.frames[3]!.malformed).toMatch(/not 4/);
    expect(describeFrame(r.frames[1]!, 0)).toBe(
      'in  GOAWAY s0 len=17 ENHANCE_YOUR_CALM last=1 "calm down" +7.0ms',
    );
  });

  it("ignores the reserved bit of the stream id and reads ACK, WINDOW_UPDATE and unknown types", () => {
    const { r } = reader();
    const raw = encodeFrame(FRAME.DATA, 0, 1, Buffer.from("x"));
    raw[5]! |= 0x80;
    r.push(
      Buffer.concat([
        raw,
        encodeFrame(FRAME.SETTINGS, FLAG.ACK, 0),
        encodeFrame(FRAME.WINDOW_UPDATE, 0, 0, u32(0x80000010)),
        encodeFrame(0xfa, 0xff, 0, Buffer.from("ext")),
      ]),
      1,
    );
    expect(r.frames.map((f) => [f.type, f.streamId, f.flags])).toEqual([
      ["DATA", 1, []],
      ["SETTINGS", 0, ["ACK"]],
      ["WINDOW_UPDATE", 0, []],
      ["UNKNOWN_0xfa", 0, []],
    ]);
    expect(r.frames[2]!.windowIncrement).toBe(16);
  });

  it("skips the client preface on the outgoing side, also when it is split, and rejects anything else", () => {
    const out = reader({ preface: true });
    const wire = Buffer.concat([CLIENT_PREFACE, settings]);
    out.r.push(wire.subarray(0, 10), 1);
    out.r.push(wire.subarray(10), 2);
    expect(out.r.frames.map((f) => f.type)).toEqual(["SETTINGS"]);
    const bad = reader({ preface: true });
    bad.r.push(Buffer.from("GET / HTTP/1.1\r\n\r\n"), 1);
    expect(bad.r.malformed).toBe("not the HTTP/2 client preface");
    expect(bad.r.frames).toEqual([]);
  });
});
