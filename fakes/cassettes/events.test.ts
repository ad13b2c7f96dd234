import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cassetteEvents } from "./events.ts";
import { withProvider } from "./recognize.ts";
import { cassetteWith } from "./testing/build.ts";

describe("cassetteEvents", () => {
  it("gives each event its byte offset and the arrival of its first and last byte", () => {
    const cassette = cassetteWith([
      [5, 'data: {"n":1}\n\ndata: {"n"'],
      [9, ":2}\n\n"],
      [12, "data: [DONE]\n\n"],
    ]);
    const { framing, events, body } = cassetteEvents(cassette);
    expect(framing).toBe("sse");
    expect(body.writes.map((w) => [w.offset, w.length, w.t])).toEqual([
      [0, 25, 5],
      [25, 5, 9],
      [30, 14, 12],
    ]);
    expect(events.map((e) => [e.index, e.offset, e.length, e.firstT, e.t, e.type])).toEqual([
      [0, 0, 15, 5, 5, "message"],
      [1, 15, 15, 5, 9, "message"],
      [2, 30, 14, 12, 12, "[DONE]"],
    ]);
  });

  it("leaves a content-encoded body whole and says how it is encoded", () => {
    const gzipped = gzipSync('data: {"n":1}\n\n');
    const cassette = cassetteWith(
      [[3, gzipped]],
      [
        ["Content-Type", "text/event-stream"],
        ["Content-Encoding", "gzip"],
      ],
    );
    const { encoding, events } = cassetteEvents(cassette);
    expect(encoding).toBe("gzip");
    expect(events.map((e) => [e.offset, e.length, e.type])).toEqual([[0, gzipped.length, "gzip body"]]);
  });

  it("an empty body has no events", () => {
    expect(cassetteEvents(cassetteWith([])).events).toEqual([]);
  });
});

describe("withProvider", () => {
  it("recognises the route, keeps the user's word, and says which decided", () => {
    const cassette = cassetteWith([[2, 'data: {"object":"chat.completion.chunk"}\n\n']]);
    expect(withProvider({ ...cassette, provider: "unknown" })).toMatchObject({
      provider: "openai",
      providerBy: "route",
    });
    expect(withProvider(cassette, "openrouter")).toMatchObject({
      provider: "openrouter",
      providerBy: "user",
    });
    const noRequest = { ...cassette, request: undefined };
    expect(withProvider(noRequest)).toMatchObject({ provider: "openai", providerBy: "events" });
    const opaque = cassetteWith([[2, "hello"]], [["content-type", "text/plain"]]);
    expect(withProvider({ ...opaque, request: undefined })).toMatchObject({
      provider: "unknown",
      providerBy: "none",
    });
  });
});
