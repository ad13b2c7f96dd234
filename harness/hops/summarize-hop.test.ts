import { describe, expect, it } from "vitest";
import type { TapConnection } from "../../proxies/toxiproxy/index.ts";
import { providerStreamJudge } from "./judges.ts";
import { summarizeHop } from "./summarize-hop.ts";
import {
  chunk,
  chunked,
  connection,
  fin,
  head,
  LAST_CHUNK,
  open,
  REQUEST,
  rst,
} from "./testing/tap-records.ts";

const hop = (connections: TapConnection[], judge?: Parameters<typeof summarizeHop>[0]["judge"]) =>
  summarizeHop(
    { name: "B", from: "nginx", to: "backend", connections, ...(judge ? { judge } : {}) },
    { origin: 1000 },
  );

describe("summarizeHop: the framing as the upstream box sent it", () => {
  it("a chunked body with its last chunk is complete, with counts and times from the origin", () => {
    const summary = hop([
      connection({
        openedAt: 1000,
        response: [
          [1010, chunked() + chunk("data: a\n\n")],
          [1200, chunk("data: b\n\n") + LAST_CHUNK],
        ],
      }),
    ]);
    expect(summary).toMatchObject({
      name: "B",
      from: "nginx",
      to: "backend",
      bytesToUpstream: REQUEST.length,
      firstByteMs: 10,
      lastByteMs: 200,
      framing: { outcome: "complete", framing: "chunked", status: 200, chunks: 2, bodyBytes: 18 },
      end: { upstream: { kind: "fin", by: "peer" }, client: { kind: "fin", by: "proxy" } },
      connections: 1,
      responses: 1,
      tap: "proxy",
    });
    expect(summary.bytesToDownstream).toBe(
      Buffer.byteLength(chunked() + chunk("data: a\n\n") + chunk("data: b\n\n") + LAST_CHUNK),
    );
    expect(summary.firstBodyByte).toEqual({ sentAt: 1010, deliveredAt: 1010 });
    expect(summary.delivered).toBeUndefined();
  });

  it.each([
    ["mid-chunk", chunked() + chunk("data: a\n\n") + "10\r\ndata: b", "cut-mid-chunk", /mid chunk data/],
    ["between chunks", chunked() + chunk("data: a\n\n"), "cut-between-chunks", /between chunks: 1 chunks/],
    ["before any chunk", chunked(), "cut-between-chunks", /0 chunks/],
    ["in the chunk-size line", `${chunked()}1`, "cut-mid-chunk", /mid chunk-size line/],
    ["after the last-chunk line", `${chunked()}0\r\n`, "cut-mid-chunk", /after the last-chunk/],
    ["in the headers", "HTTP/1.1 200 OK\r\ncontent-ty", "headers-cut", /header block/],
    ["short of Content-Length", head(200, { "content-length": "10" }) + "12345", "cut-short", /5 of 10/],
  ])("a body cut %s by the sender's FIN", (_, text, outcome, detail) => {
    const summary = hop([connection({ response: [[1010, text]] })]);
    expect(summary.framing.outcome).toBe(outcome);
    expect(summary.framing.detail).toMatch(detail);
  });

  it("a close-delimited body: a FIN is an end for HTTP (a crash looks the same), an RST a cut", () => {
    const text = `${head(200, { "content-type": "text/plain" })}partial`;
    expect(hop([connection({ response: [[1010, text]] })]).framing).toMatchObject({
      outcome: "closed",
      framing: "close-delimited",
      bodyBytes: 7,
    });
    expect(hop([connection({ response: [[1010, text]], upstreamEnd: rst(1020) })]).framing.outcome).toBe(
      "cut-reset",
    );
  });

  it("no byte before the close, a refused dial, a reset: no response", () => {
    expect(hop([connection({ response: [] })]).framing.outcome).toBe("no-response");
    const refused = hop([
      connection({
        response: [],
        upstreamEnd: { kind: "refused", by: "peer", t: 1001, detail: "ECONNREFUSED" },
      }),
    ]);
    expect(refused.framing.outcome).toBe("no-response");
    expect(refused.end.upstream.kind).toBe("refused");
  });

  it("still streaming when read is open; the client side hanging up first is not the sender's cut", () => {
    const partial = chunked() + chunk("data: a\n\n");
    expect(hop([connection({ response: [[1010, partial]], upstreamEnd: open })]).framing.outcome).toBe(
      "open",
    );
    const left = hop([
      connection({
        response: [[1010, partial]],
        clientEnd: fin(1050),
        upstreamEnd: fin(1051, "proxy", "passed on the client side's end"),
      }),
    ]);
    expect(left.framing.outcome).toBe("client-left");
  });

  it("HEAD and 204 responses have no body", () => {
    const summary = hop([
      connection({
        request: "HEAD / HTTP/1.1\r\nhost: x\r\n\r\n",
        response: [[1010, head(200, { "content-length": "100" })]],
        upstreamEnd: open,
      }),
    ]);
    expect(summary.framing).toMatchObject({ outcome: "complete", framing: "none" });
  });

  it("a malformed response is named as such", () => {
    expect(hop([connection({ response: [[1010, "SSH-2.0-OpenSSH\r\n"]] })]).framing.outcome).toBe(
      "malformed",
    );
  });
});

describe("summarizeHop: connections and responses", () => {
  it("summarizes the last response of a keep-alive connection and counts them all", () => {
    const first = `${head(200, { "content-length": "2" })}ok`;
    const second = chunked() + chunk("x");
    const summary = hop([connection({ response: [[1010, first + second]], upstreamEnd: open })]);
    expect(summary.responses).toBe(2);
    expect(summary.framing).toMatchObject({ outcome: "open", framing: "chunked", chunks: 1 });
  });

  it("a pooled connection that sat idle, or was closed idle, does not count; the one that carried the exchange does", () => {
    const idle = connection({ response: [], request: "", openedAt: 900, upstreamEnd: open });
    const closedIdle = connection({ response: [], request: "", openedAt: 950, upstreamEnd: fin(1500) });
    const used = connection({ response: [[1010, chunked() + LAST_CHUNK]], openedAt: 800 });
    const summary = hop([used, idle, closedIdle]);
    expect(summary.connections).toBe(1);
    expect(summary.framing.outcome).toBe("complete");
  });

  it("no connection at all: not reached", () => {
    expect(hop([])).toMatchObject({ connections: 0, tap: "none", framing: { outcome: "no-response" } });
  });
});

describe("summarizeHop: what the client box got, when a toxic stood between", () => {
  it("keeps the delivered framing apart when it differs, with the toxic's delay on the first byte", () => {
    const whole = chunked() + chunk("data: a\n\n") + LAST_CHUNK;
    const summary = hop([
      connection({
        response: [[1010, whole]],
        delivered: [[1510, whole.slice(0, chunked().length + 5)]],
        clientEnd: fin(1511, "proxy", "limit_data toxic"),
      }),
    ]);
    expect(summary.framing.outcome).toBe("complete");
    expect(summary.delivered?.outcome).toBe("cut-mid-chunk");
    expect(summary.firstResponseByte).toEqual({ sentAt: 1010, deliveredAt: 1510 });
  });

  it("says nothing of delivery when it matched", () => {
    const whole = chunked() + LAST_CHUNK;
    const summary = hop([connection({ response: [[1010, whole]], delivered: [[1300, whole]] })]);
    expect(summary.delivered).toBeUndefined();
    expect(summary.firstResponseByte).toEqual({ sentAt: 1010, deliveredAt: 1300 });
  });
});

describe("summarizeHop: a tap that ran out of budget", () => {
  const truncated = (tail: string, upstreamEnd = fin(2000)) => {
    const record = connection({ response: [[1010, chunked() + chunk("data: a\n\n")]], upstreamEnd });
    record.toDownstream.sent = {
      ...record.toDownstream.sent,
      bytes: record.toDownstream.sent.bytes + 10_000_000,
      truncatedAt: 1100,
      lastAt: 1999,
      tail: Buffer.from(tail),
    };
    return hop([record]);
  };

  it("reads the end from the kept tail", () => {
    expect(truncated(`${chunk("data: z\n\n")}0\r\n\r\n`).framing.outcome).toBe("complete");
    expect(truncated(chunk("data: z\n\n")).framing.outcome).toBe("cut-between-chunks");
    expect(truncated("data: z").framing.outcome).toBe("cut-mid-chunk");
    expect(truncated("data: z", open).framing.outcome).toBe("open");
    expect(truncated("data: z").framing.detail).toMatch(/the tap kept \d+ of \d+ bytes/);
  });
});

describe("summarizeHop with a judge", () => {
  const sse = (events: string) => [[1010, chunked() + chunk(events) + LAST_CHUNK]] as Array<[number, string]>;

  it("the provider's own end: [DONE], or its in-band error, or neither", () => {
    const judged = (events: string) =>
      hop([connection({ response: sse(events) })], providerStreamJudge).framing;
    expect(judged("data: {}\n\ndata: [DONE]\n\n").semantic).toBe("complete");
    expect(judged('data: {"error": {"message": "x"}}\n\n').semantic).toBe("error-marker");
    expect(judged("data: {}\n\n").semantic).toBe("incomplete");
  });

  it("judges a close-delimited body, where the framing cannot tell", () => {
    const text = `${head(200, { "content-type": "text/event-stream" })}data: {}\n\n`;
    const summary = hop([connection({ response: [[1010, text]] })], providerStreamJudge);
    expect(summary.framing).toMatchObject({ outcome: "closed", semantic: "incomplete" });
  });
});
