import { describe, expect, it } from "vitest";
import { HttpResponseDecoder } from "./http-decoder.ts";

function decodeAll(pieces: Array<string | Buffer>, method = "GET"): HttpResponseDecoder {
  const decoder = new HttpResponseDecoder(method);
  for (const [i, p] of pieces.entries()) decoder.push(Buffer.isBuffer(p) ? p : Buffer.from(p, "latin1"), i);
  return decoder;
}

const RESPONSE =
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
  "9\r\ndata: a\n\n\r\n" +
  "a;x=1\r\ndata: bc\n\n\r\n" +
  "0\r\nX-Trailer: yes\r\n\r\n";

describe("HttpResponseDecoder", () => {
  it("decodes the same response identically whether it arrives whole or one byte per read", () => {
    const whole = decodeAll([RESPONSE]);
    const bytewise = decodeAll(RESPONSE.split(""));
    for (const d of [whole, bytewise]) {
      expect(d.complete).toBe(true);
      expect(d.head?.statusCode).toBe(200);
      expect(d.head?.framing).toBe("chunked");
      expect(d.chunks.map((c) => [c.size, c.data.toString(), c.ext])).toEqual([
        [9, "data: a\n\n", undefined],
        [10, "data: bc\n\n", "x=1"],
      ]);
      expect(d.trailers).toEqual([["X-Trailer", "yes"]]);
      expect(d.incompleteReason()).toBeUndefined();
      expect(d.leftovers()).toBeUndefined();
    }
    // Byte by byte, a chunk completes on the read carrying its last data byte.
    const second = bytewise.chunks[1]!;
    expect(second.t).toBe(RESPONSE.indexOf("data: bc") + 9);
    expect(second.startT).toBe(RESPONSE.indexOf("a;x=1") + 6);
    expect(bytewise.bodyReads).toHaveLength(19);
    expect(whole.bodyReads).toHaveLength(1);
  });

  it("accepts bare LF line ends and obs-fold, and says so in notes", () => {
    const d = decodeAll(["HTTP/1.1 200 OK\nX-A: one\n  two\nContent-Length: 2\n\nok"]);
    expect(d.complete).toBe(true);
    expect(d.head?.headers).toEqual([
      ["X-A", "one two"],
      ["Content-Length", "2"],
    ]);
    expect(d.notes).toContain("bare LF line ending in status-line");
    expect(d.notes).toContain("obs-fold header continuation");
  });

  it("lets Transfer-Encoding win over Content-Length, and treats a non-chunked coding as close-delimited", () => {
    const both = decodeAll([
      "HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ]);
    expect(both.head?.framing).toBe("chunked");
    expect(both.complete).toBe(true);
    expect(both.notes[0]).toContain("Transfer-Encoding wins");
    const gzip = decodeAll(["HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc"]);
    expect(gzip.head?.framing).toBe("close-delimited");
    expect(gzip.complete).toBe(false);
    gzip.endOfInput(9);
    expect(gzip.complete).toBe(true);
    expect(gzip.completedAt).toBe(9);
  });

  it("completes a Content-Length: 0 response at the end of the head", () => {
    const d = decodeAll(["HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"]);
    expect(d.complete).toBe(true);
    expect(d.head?.statusText).toBe("Internal Server Error");
  });

  it("names the state it stopped in", () => {
    const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    expect(decodeAll([]).incompleteReason()).toContain("headers never sent");
    expect(decodeAll(["HTTP/1.1 2"]).incompleteReason()).toBe("in the status line after 10 bytes");
    expect(decodeAll(["HTTP/1.1 200 OK\r\nX-A: 1\r\n"]).incompleteReason()).toContain("in the header block");
    expect(decodeAll([`${head}3\r\nabc`]).incompleteReason()).toBe(
      "after the data of chunk #1, before its CRLF",
    );
    expect(decodeAll([`${head}3\r\nabc\r\n`]).incompleteReason()).toContain("no terminating 0-size chunk");
    expect(decodeAll([`${head}3\r\nabc\r\n0\r\n`]).incompleteReason()).toContain("before the final CRLF");
    expect(decodeAll(["HTTP/1.1 100 Continue\r\n\r\n"]).incompleteReason()).toContain("after a 1xx interim");
  });

  it("marks bad chunk sizes, overlong lines and header floods as malformed and keeps the bytes", () => {
    const head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    const badSize = decodeAll([`${head}zz\r\nhello\r\n`]);
    expect(badSize.malformed).toBe('invalid chunk-size line "zz"');
    expect(badSize.leftovers()?.toString()).toBe("zz\r\nhello\r\n");
    expect(badSize.incompleteReason()).toBe('malformed response: invalid chunk-size line "zz"');

    const longLine = decodeAll([head, "1".repeat(5000)]);
    expect(longLine.malformed).toContain("chunk-size line longer than 4096 bytes");

    const flood = decodeAll([
      "HTTP/1.1 200 OK\r\n",
      ...Array.from({ length: 2000 }, (_, i) => `X-${i}: ${"v".repeat(40)}\r\n`),
    ]);
    expect(flood.malformed).toContain("header block longer than");
    expect(flood.head).toBeUndefined();

    const noColon = decodeAll(["HTTP/1.1 200 OK\r\nnot a header\r\n\r\n"]);
    expect(noColon.malformed).toContain("header line without a valid name");
  });

  it("decodes 10 MB pushed as 10 000 reads in linear time (a per-read concat of the body would time out)", () => {
    const decoder = new HttpResponseDecoder("GET");
    decoder.push(Buffer.from("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 0);
    const data = Buffer.alloc(1000, 0x62);
    const framed = Buffer.concat([Buffer.from("3e8\r\n"), data, Buffer.from("\r\n")]);
    // Reads that do not line up with chunks: every read splits a size line or a chunk.
    const stream = Buffer.concat(Array.from({ length: 10_000 }, () => framed));
    const readSize = 1021;
    let reads = 0;
    for (let i = 0; i < stream.length; i += readSize) {
      decoder.push(stream.subarray(i, i + readSize), ++reads);
    }
    decoder.push(Buffer.from("0\r\n\r\n"), ++reads);
    expect(reads).toBeGreaterThan(9_000);
    expect(decoder.complete).toBe(true);
    expect(decoder.chunks).toHaveLength(10_000);
    expect(decoder.bodyBytes).toBe(10_000_000);
    expect(decoder.chunks.every((c) => c.size === 1000 && c.data.length === 1000)).toBe(true);
  }, 10_000);
});
