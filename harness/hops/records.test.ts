import { describe, expect, it } from "vitest";
import type { TapConnection } from "../../proxies/toxiproxy/index.ts";
import { openaiRelay } from "../contracts/openai-relay.ts";
import { textMarker } from "../contracts/text-marker.ts";
import { attributeHops } from "./attribute.ts";
import { contractJudge } from "./contract-judge.ts";
import type { HopSummary } from "./hop-types.ts";
import { providerStreamJudge } from "./judges.ts";
import { checkHop, RAW_RESPONSE_HEAD_BYTES, RAW_RESPONSE_TAIL_BYTES, toHopRecord } from "./records.ts";
import { summarizeHop } from "./summarize-hop.ts";
import { bytes, chunk, chunked, connection, fin, LAST_CHUNK, rst } from "./testing/tap-records.ts";

const ORIGIN = 1000;
const sse = (events: string[]) => events.map((data) => `data: ${data}\n\n`).join("");
const relay = contractJudge(openaiRelay());

function hop(name: string, from: string, to: string, record: TapConnection, judge = relay): HopSummary {
  return summarizeHop({ name, from, to, connections: [record], judge }, { origin: ORIGIN });
}

const PROVIDER = chunked() + chunk(sse(['{"choices":[{"delta":{"content":"hi"}}]}', "[DONE]"])) + LAST_CHUNK;
const TOKEN = sse(['{"choices":[{"delta":{"content":"hi"}}]}']);

describe("toHopRecord", () => {
  it("keeps counts, times from the exchange's start, framing and ends; no raw bytes unless asked", () => {
    const record = connection({
      response: [[1200, PROVIDER]],
      upstreamEnd: fin(1250),
      clientEnd: fin(1251, "proxy"),
    });
    const summary = hop("C", "backend", "provider", record, providerStreamJudge);
    const shaped = toHopRecord(summary, { origin: ORIGIN });
    expect(shaped).toEqual({
      name: "C",
      from: "backend",
      to: "provider",
      bytesToUpstream: record.toUpstream.sent.bytes,
      bytesToDownstream: Buffer.byteLength(PROVIDER),
      firstByteMs: 200,
      lastByteMs: 200,
      end: {
        client: { kind: "fin", by: "proxy", atMs: 251 },
        upstream: { kind: "fin", by: "peer", atMs: 250 },
      },
      framing: expect.objectContaining({
        outcome: "complete",
        framing: "chunked",
        status: 200,
        semantic: "complete",
      }),
      connections: 1,
      tap: "proxy",
    });
    // JSON round trip: the schema holds no Buffers or functions.
    expect(JSON.parse(JSON.stringify(shaped))).toEqual(shaped);
  });

  it("a failing result's raw bytes: escaped, the request's head and the response's head and tail", () => {
    const long = chunked() + chunk("x".repeat(10_000));
    const record = connection({ response: [[1200, long]], upstreamEnd: rst(1300) });
    const shaped = toHopRecord(hop("B", "nginx", "backend", record), { origin: ORIGIN, raw: [record] });
    expect(shaped.raw?.toUpstream).toMatch(/^POST \/chat HTTP\/1\.1\\r\\nhost: x\\r\\n/);
    expect(shaped.raw?.toDownstream.startsWith("HTTP/1.1 200 OK\\r\\n")).toBe(true);
    expect(shaped.raw?.toDownstream).toContain("…");
    expect(shaped.raw?.toDownstream.length).toBeLessThan(
      RAW_RESPONSE_HEAD_BYTES + RAW_RESPONSE_TAIL_BYTES + 200,
    );
    expect(shaped.raw?.truncated).toBe(true);
    expect(shaped.end.upstream.kind).toBe("rst");
  });

  it("keeps a short response whole, and what the tap kept past its budget", () => {
    const record = connection({ response: [[1200, chunked() + chunk("ok")]] });
    const whole = toHopRecord(hop("A", "probe", "nginx", record), { origin: ORIGIN, raw: [record] });
    expect(whole.raw).toEqual({
      toUpstream: expect.any(String),
      toDownstream:
        "HTTP/1.1 200 OK\\r\\ncontent-type: text/event-stream\\r\\ntransfer-encoding: chunked\\r\\n\\r\\n2\\r\\nok\\r\\n",
    });
    const budget = connection({ response: [[1200, chunked()]] });
    budget.toDownstream.sent = {
      ...bytes([[1200, chunked()]]),
      truncatedAt: 1250,
      tail: Buffer.from("0\r\n\r\n"),
    };
    const cut = toHopRecord(hop("A", "probe", "nginx", budget), { origin: ORIGIN, raw: [budget] });
    expect(cut.raw?.toDownstream).toMatch(/\[past the tap's budget\] 0\\r\\n\\r\\n$/);
    expect(cut.raw?.truncated).toBe(true);
  });
});

describe("checkHop", () => {
  const chain = (backendBody: string, nginxBody = chunked() + chunk(TOKEN) + LAST_CHUNK) => [
    hop("A", "probe", "nginx", connection({ response: [[1300, nginxBody]] })),
    hop("B", "nginx", "backend", connection({ response: [[1200, backendBody]] })),
    hop("C", "backend", "provider", connection({ response: [[1100, PROVIDER]] }), providerStreamJudge),
  ];

  it("names the origin and what each later hop did", () => {
    const hops = chain(`${chunked()}${chunk(TOKEN)}10\r\ndata: to`);
    const found = checkHop(attributeHops(hops, { injected: ["C"] }), hops, { injected: ["C"] });
    expect(found).toEqual({
      origin: "B",
      text: expect.stringMatching(
        /^hop B: the backend closed mid-chunk, no terminating chunk.*; hop A: nginx sent `0\\r\\n\\r\\n`/,
      ),
    });
  });

  it("with no broken hop, says what each hop carried, from the provider end", () => {
    const whole = chunked() + chunk(sse(['{"choices":[{"delta":{"content":"hi"}}]}', "[DONE]"])) + LAST_CHUNK;
    const hops = chain(whole, whole);
    const found = checkHop(attributeHops(hops), hops);
    expect(found?.origin).toBeUndefined();
    expect(found?.text.split("; ").map((line) => line.slice(0, 6))).toEqual(["hop C:", "hop B:", "hop A:"]);
    expect(found?.text).toContain("hop B: the backend sent a complete chunked body");
  });

  it("latency checks get how long each box held the first token; others do not", () => {
    const held: HopSummary[] = [
      hop(
        "A",
        "probe",
        "nginx",
        connection({ response: [[2500, chunked() + chunk(TOKEN)]], upstreamEnd: fin(2600) }),
      ),
      hop(
        "B",
        "nginx",
        "backend",
        connection({ response: [[1200, chunked() + chunk(TOKEN)]], upstreamEnd: fin(2600) }),
      ),
    ];
    const attribution = attributeHops(held);
    expect(checkHop(attribution, held, { timing: true })?.holdings).toEqual(["nginx held it 1.3 s"]);
    expect(checkHop(attribution, held)?.holdings).toBeUndefined();
  });
});

describe("contractJudge", () => {
  const body = (text: string) => ({
    status: 200,
    headers: [["content-type", "text/event-stream"]] as Array<[string, string]>,
    body: Buffer.from(text),
  });

  it("reads a hop's body with the contract's own interpret()", () => {
    expect(relay(body(sse(['{"choices":[{"delta":{"content":"hi"}}]}', "[DONE]"])))).toBe("complete");
    expect(relay(body(TOKEN))).toBe("incomplete");
    expect(relay({ ...body(TOKEN), status: 502 })).toBeUndefined();
  });

  it("a contract without a done signal judges only its marker", () => {
    const text = contractJudge(textMarker());
    const plain = (t: string) => ({
      status: 200,
      headers: [["content-type", "text/plain"]] as Array<[string, string]>,
      body: Buffer.from(t),
    });
    expect(text(plain("hello"))).toBeUndefined();
    expect(text(plain("hello\n\n<!--STREAM_ERROR:boom-->"))).toBe("error-marker");
  });

  it("a contract whose interpret() throws on a hop's body judges nothing", () => {
    const throwing = contractJudge({
      ...openaiRelay(),
      interpret: () => {
        throw new Error("wants a live observation");
      },
    });
    expect(throwing(body(TOKEN))).toBeUndefined();
  });
});

describe("a client that left", () => {
  it("is not a cut: its body lacks the done signal, but no hop is named the origin", () => {
    const left = connection({
      response: [[1010, chunked() + chunk(TOKEN)]],
      clientEnd: fin(1050),
      upstreamEnd: fin(1051, "proxy", "passed on the client side's end"),
    });
    const hops = [hop("A", "probe", "backend", left), hop("B", "probe", "backend", left)];
    expect(hops[1]!.framing).toMatchObject({ outcome: "client-left", semantic: "incomplete" });
    const attribution = attributeHops(hops);
    expect(attribution.origin).toBeUndefined();
    expect(checkHop(attribution, hops)?.text).toBe(
      // The direct edge: hop A runs into hop B's listener, so it is told once, not as a second backend.
      "hop B: the backend was cut off: the other side hung up first, and its stream lacks its done signal; hop A: no edge in between: the probe got it as hop B delivered it",
    );
  });
});
