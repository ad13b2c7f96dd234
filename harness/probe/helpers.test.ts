import { describe, expect, it } from "vitest";
import {
  bodyReadGaps,
  describeBytes,
  headerValue,
  headerValues,
  rawTail,
  timeToFirstBodyByte,
} from "./helpers.ts";

describe("probe helpers", () => {
  const obs = {
    response: {
      statusCode: 200,
      statusText: "OK",
      httpVersion: "1.1",
      headers: [
        ["Content-Type", "text/event-stream"],
        ["set-cookie", "a=1"],
        ["Set-Cookie", "b=2"],
      ] as Array<[string, string]>,
      headersAt: 0,
      framing: "chunked" as const,
    },
  };

  it("finds headers case-insensitively and joins repeats", () => {
    expect(headerValue(obs, "content-type")).toBe("text/event-stream");
    expect(headerValue(obs, "SET-COOKIE")).toBe("a=1, b=2");
    expect(headerValues(obs, "set-cookie")).toEqual(["a=1", "b=2"]);
    expect(headerValue(obs, "x-missing")).toBeUndefined();
    expect(headerValue({}, "content-type")).toBeUndefined();
  });

  it("shows bytes with CR and LF visible, cut from the tail or the head", () => {
    expect(describeBytes(Buffer.from("data: x\n\n0\r\n"))).toBe('"data: x\\n\\n0\\r\\n"');
    expect(describeBytes(Buffer.from("abcdef\r\n"), 2)).toBe('…"\\r\\n" (last 2 of 8 bytes)');
    expect(describeBytes(Buffer.from("abcdef"), 2, "head")).toBe('"ab"… (first 2 of 6 bytes)');
    expect(describeBytes(undefined)).toBe('"" (0 bytes)');
  });

  it("measures gaps, time to first body byte and the raw tail", () => {
    const reads = [
      { t: 10, bytes: Buffer.from("HTTP/1.1 200 OK\r\n\r\n") },
      { t: 25, bytes: Buffer.from("abc") },
      { t: 70, bytes: Buffer.from("def") },
    ];
    expect(bodyReadGaps({ bodyReads: reads.slice(1) })).toEqual([45]);
    expect(timeToFirstBodyByte({ startedAt: 5, firstBodyByteAt: 25 })).toBe(20);
    expect(timeToFirstBodyByte({ startedAt: 5 })).toBeUndefined();
    expect(rawTail({ reads }, 5).toString()).toBe("bcdef");
    expect(rawTail({ reads }, 1000).length).toBe(25);
  });
});
