import { createServer, type Server } from "node:http";
import { describe, expect, it } from "vitest";
import { LOOPBACK } from "../../lib/net.ts";
import { ndjsonLines, textReads } from "../contracts/pieces.ts";
import { runProbe } from "./index.ts";
import type { ProbeDisconnect } from "./options.ts";

/**
 * The client leaving, on every framing a backend may stream: SSE events, text/plain reads, NDJSON
 * lines, each with every trigger (its pieces, bytes, time). A server writes 12 pieces 40 ms apart.
 */
const FRAMINGS = {
  sse: { type: "text/event-stream", piece: (i: number) => `data: {"n":${i}}\n\n` },
  text: { type: "text/plain; charset=utf-8", piece: (i: number) => `word-${String(i).padStart(2, "0")} ` },
  ndjson: { type: "application/x-ndjson", piece: (i: number) => `{"n":${i}}\n` },
} as const;
type Framing = keyof typeof FRAMINGS;
const PIECES = 12;
const GAP_MS = 40;

async function streaming(framing: Framing): Promise<Server & AsyncDisposable & { url: string }> {
  const { type, piece } = FRAMINGS[framing];
  const server = createServer(async (_req, res) => {
    res.writeHead(200, { "content-type": type });
    for (let i = 1; i <= PIECES && !res.destroyed; i++) {
      res.write(piece(i));
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return Object.assign(server, {
    url: `http://${LOOPBACK}:${port}/`,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

/** The framing's own piece trigger: the probe's SSE events, or a counter for text and NDJSON. */
function afterPieces(framing: Framing, count: number): ProbeDisconnect {
  if (framing === "sse") return { afterEvents: count };
  return { afterPieces: { count, counter: framing === "text" ? textReads() : ndjsonLines() } };
}

describe("runProbe: the client leaves on every framing, by pieces, bytes or time", () => {
  const framings = Object.keys(FRAMINGS) as Framing[];
  const triggers: Array<[string, (f: Framing) => ProbeDisconnect, RegExp]> = [
    ["pieces", (f) => afterPieces(f, 3), /after 3 (SSE events|text reads|NDJSON lines)/],
    ["bytes", (f) => ({ afterBytes: FRAMINGS[f].piece(1).length * 3 }), /after \d+ body bytes/],
    ["time", () => ({ afterMs: GAP_MS * 3 }), /120ms after the request/],
  ];
  for (const framing of framings) {
    for (const [name, trigger, reason] of triggers) {
      it(`${framing} × ${name}: hangs up mid-stream`, async () => {
        await using server = await streaming(framing);
        const obs = await runProbe({ url: server.url, disconnect: trigger(framing), fetchView: false });
        expect(obs.end.kind).toBe("client-disconnect");
        expect(obs.disconnect?.reason).toMatch(reason);
        const received = obs.text.length / FRAMINGS[framing].piece(1).length;
        expect(received).toBeGreaterThanOrEqual(2);
        expect(received).toBeLessThan(PIECES);
      });
    }
  }

  it("text/plain × afterEvents never hangs up: there is no SSE event in a text stream", async () => {
    // Why the lane translates afterEvents into the contract's pieces (harness/lane/disconnect-trigger.ts).
    await using server = await streaming("text");
    const obs = await runProbe({ url: server.url, disconnect: { afterEvents: 3 }, fetchView: false });
    expect(obs.end.kind).toBe("clean");
    expect(obs.disconnect).toBeUndefined();
  });

  it("counts text reads that decode to text, and complete non-empty NDJSON lines", () => {
    const text = textReads();
    expect([Buffer.from("ab"), Buffer.from([0xc3]), Buffer.from([0xa9])].map((b) => text.push(b))).toEqual([
      1, 1, 2,
    ]);
    const lines = ndjsonLines();
    expect(['{"a":1}\n{"b"', ":2}\n\n", "\r\n", '{"c":3}'].map((s) => lines.push(Buffer.from(s)))).toEqual([
      1, 2, 2, 2,
    ]);
  });

  it("rejects a piece trigger without a counter", async () => {
    await expect(
      runProbe({
        url: "http://127.0.0.1:1/",
        disconnect: { afterPieces: { count: 1, counter: {} as never } },
      }),
    ).rejects.toMatchObject({ code: "PROBE_BAD_OPTION" });
  });
});
