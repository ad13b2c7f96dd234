import { describe, expect, it } from "vitest";
import { sseEventsAfter } from "./helpers.ts";
import { runProbe } from "./index.ts";
import { unterminatedTail } from "./internal/body-views.ts";
import { startRawServer, writeSpaced } from "./internal/raw-server.ts";

const sseHead = (length?: number) =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n${
    length === undefined ? "" : `Content-Length: ${length}\r\n`
  }\r\n`;

async function probeSse(pieces: string[], gapMs = 30) {
  await using server = await startRawServer(async (socket) => {
    await writeSpaced(socket, [sseHead(), ...pieces], gapMs);
    socket.end();
  });
  return await runProbe({ url: server.url, fetchView: false });
}

describe("SSE view", () => {
  for (const [name, nl] of [
    ["LF", "\n"],
    ["CRLF", "\r\n"],
  ] as const) {
    it(`parses ${name} framing, ids and event names, with the time of the completing read`, async () => {
      const obs = await probeSse([
        `event: delta${nl}id: 1${nl}data: {"t":"a"}${nl}${nl}`,
        `data: line1${nl}data: line2${nl}${nl}`,
        `data: [DONE]${nl}${nl}`,
      ]);
      expect(obs.sse.applied).toBe(true);
      expect(obs.sse.events.map(({ event, id, data }) => ({ event, id, data }))).toEqual([
        { event: "delta", id: "1", data: '{"t":"a"}' },
        { event: undefined, id: undefined, data: "line1\nline2" },
        { event: undefined, id: undefined, data: "[DONE]" },
      ]);
      expect(obs.sse.unterminatedTail).toBeUndefined();
      expect(obs.sse.errors).toEqual([]);
      const times = obs.sse.events.map((e) => e.t);
      expect(times[1]!).toBeGreaterThan(times[0]!);
      expect(times[2]!).toBeGreaterThan(times[1]!);
      expect(times).toEqual(obs.bodyReads.slice(0, 3).map((r) => r.t));
    });
  }

  it("parses bare-CR framing, but each event lands one read late and the last one is dropped", async () => {
    // eventsource-parser holds a CR that ends a chunk until it knows whether an LF follows, and its
    // stream has no flush: a CR-framed event completes on the NEXT read, and the final one never does.
    const obs = await probeSse(["event: delta\rid: 1\rdata: a\r\r", "data: b\r\r", "data: [DONE]\r\r"]);
    expect(obs.sse.events.map(({ event, id, data }) => ({ event, id, data }))).toEqual([
      { event: "delta", id: "1", data: "a" },
      { event: undefined, id: undefined, data: "b" },
    ]);
    expect(obs.sse.events.map((e) => e.t)).toEqual(obs.bodyReads.slice(1, 3).map((r) => r.t));
    expect(obs.sse.unterminatedTail).toBe("data: [DONE]\r\r");
  });

  it("keeps a CR/LF pair split across reads as one line end", async () => {
    const obs = await probeSse(["data: a\r", "\n\r", "\ndata: b\r\n\r\n"]);
    expect(obs.sse.events.map((e) => e.data)).toEqual(["a", "b"]);
  });

  it("records comments, retry and parser errors", async () => {
    const obs = await probeSse([
      ": OPENROUTER PROCESSING\n\n",
      "retry: 3000\n\n",
      "retry: soon\nbogus: 1\ndata: x\n\n",
    ]);
    // eventsource-parser 3.1 drops the one space after the colon, as it does for field values.
    expect(obs.sse.comments.map((c) => c.text)).toEqual(["OPENROUTER PROCESSING"]);
    expect(obs.sse.comments[0]!.t).toBe(obs.bodyReads[0]!.t);
    expect(obs.sse.retry).toBe(3000);
    expect(obs.sse.errors).toHaveLength(2);
    expect(obs.sse.errors[0]).toMatch(/^invalid-retry/);
    expect(obs.sse.errors[1]).toMatch(/^unknown-field/);
    expect(obs.sse.events.map((e) => e.data)).toEqual(["x"]);
  });

  it("reports the final event that never got its blank line, which the parser dropped", async () => {
    const obs = await probeSse(["data: hello\n\n", "data: [DONE]\n"]);
    expect(obs.sse.events.map((e) => e.data)).toEqual(["hello"]);
    expect(obs.sse.unterminatedTail).toBe("data: [DONE]\n");
    expect(obs.end.kind).toBe("clean");
  });

  it("finds events after a time", async () => {
    const obs = await probeSse(["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"], 40);
    const cut = obs.sse.events[1]!.t;
    expect(sseEventsAfter(obs, cut).map((e) => e.data)).toEqual(["2", "3"]);
  });

  it("leaves the SSE view empty for a non-SSE response unless asked", async () => {
    await using server = await startRawServer((socket) => {
      socket.end("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\ndata: x\n\n");
    });
    const plain = await runProbe({ url: server.url, fetchView: false });
    expect(plain.sse).toEqual({ events: [], comments: [], errors: [], applied: false });
    const forced = await runProbe({ url: server.url, fetchView: false, sse: "always" });
    expect(forced.sse.events.map((e) => e.data)).toEqual(["x"]);
  });
});

describe("unterminatedTail", () => {
  it("finds field lines after the last blank line, whatever the line ends", () => {
    expect(unterminatedTail("data: a\n\ndata: b")).toBe("data: b");
    expect(unterminatedTail("data: a\r\n\r\ndata: b\r\n")).toBe("data: b\r\n");
    expect(unterminatedTail("data: a\r\rdata: b\r")).toBe("data: b\r");
    expect(unterminatedTail("data: only")).toBe("data: only");
  });

  it("ignores comments, blank endings and an empty stream", () => {
    expect(unterminatedTail("data: a\n\n")).toBeUndefined();
    expect(unterminatedTail("data: a\n\n: keepalive\n")).toBeUndefined();
    expect(unterminatedTail("")).toBeUndefined();
    expect(unterminatedTail("data: a\r\n\r\n")).toBeUndefined();
  });

  it("treats a CR at the very end as not yet a line end, as eventsource-parser does", () => {
    expect(unterminatedTail("data: a\n\r")).toBe("data: a\n\r");
  });
});
