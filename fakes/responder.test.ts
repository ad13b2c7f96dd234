import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { until } from "../lib/testing.ts";
import { startFakeProvider } from "./index.ts";
import { rawRequest } from "./testing/raw-http.ts";

/** Splits a chunked body into its chunks' data; throws on framing a client would reject. */
function dechunk(body: Buffer): { chunks: Buffer[]; terminated: boolean } {
  const chunks: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) return { chunks, terminated: false };
    const sizeText = body.subarray(at, lineEnd).toString("latin1");
    if (!/^[0-9a-f]+$/.test(sizeText)) throw new Error(`bad chunk size line ${JSON.stringify(sizeText)}`);
    const size = Number.parseInt(sizeText, 16);
    if (size === 0)
      return { chunks, terminated: body.subarray(lineEnd, lineEnd + 4).toString() === "\r\n\r\n" };
    const data = body.subarray(lineEnd + 2, lineEnd + 2 + size);
    if (body.subarray(lineEnd + 2 + size, lineEnd + 4 + size).toString() !== "\r\n")
      throw new Error(`chunk at ${at} is not followed by CRLF`);
    chunks.push(data);
    at = lineEnd + 4 + size;
  }
}

/**
 * Streams one OpenAI answer from `fake` and returns its tokens, having checked that the body ended
 * cleanly and that every chunk is as long as the journal says it wrote.
 */
async function streamedTokens(fake: Awaited<ReturnType<typeof startFakeProvider>>): Promise<string[]> {
  const response = await rawRequest(fake.url, {
    path: "/v1/chat/completions",
    body: { model: "gpt-4o", stream: true },
  });
  expect(response.complete).toBe(true);
  const [entry] = fake.journal();
  expect(response.chunks.map((c) => c.length)).toEqual(entry!.events.map((e) => e.bytes));
  return response.chunks
    .map((c) => c.toString("utf8"))
    .filter((c) => c.startsWith("data: {"))
    .map((c) => JSON.parse(c.slice("data: ".length)).choices[0]?.delta?.content)
    .filter((c) => c !== undefined && c !== "");
}

describe("Responder", () => {
  it("frames each event as one chunk, waits for a reader that stopped reading, and finishes the body once it reads again", async () => {
    await using fake = await startFakeProvider();
    // 20 MB: more than the kernel buffers of a loopback connection hold, so the fake must wait.
    const tokens = 100_000;
    await fake.setScript({ content: { chunks: tokens, chunkSize: 200 } });
    const socket = connect(fake.port, "127.0.0.1");
    const received: Buffer[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      socket.on("data", (bytes: Buffer) => {
        received.push(bytes);
        if (bytes.subarray(-5).toString() === "0\r\n\r\n") resolve();
      });
      socket.on("error", reject);
      socket.on("end", resolve);
    });
    const payload = JSON.stringify({ model: "gpt-4o", stream: true });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`,
    );
    socket.pause();
    try {
      const written = () => fake.journal()[0]?.events.length ?? 0;
      let last = -1;
      await until(
        () => {
          const count = written();
          const stalled = count > 0 && count === last;
          last = count;
          return stalled;
        },
        10_000,
        "the fake stopping for the paused reader",
      );
      const planned = tokens + 3; // role, tokens, finish, [DONE]
      expect(written()).toBeLessThan(planned);
      socket.resume();
      await ended;
      const raw = Buffer.concat(received);
      const body = raw.subarray(raw.indexOf("\r\n\r\n") + 4);
      const { chunks, terminated } = dechunk(body);
      expect(terminated).toBe(true);
      const [entry] = fake.journal();
      expect(entry!.outcome).toBe("complete");
      // One chunk per journaled write, with the journaled sizes, in order.
      expect(chunks.map((c) => c.length)).toEqual(entry!.events.map((e) => e.bytes));
      expect(chunks).toHaveLength(planned);
      expect(chunks.at(-1)!.toString()).toBe("data: [DONE]\n\n");
      // Every byte intact, not only every size: frames held by the full socket share the
      // fake's framing scratch with the frames written after them.
      const contents = chunks.slice(1, -2).map((c) => {
        const text = c.toString("utf8");
        expect(text.startsWith("data: {") && text.endsWith("}\n\n")).toBe(true);
        return JSON.parse(text.slice("data: ".length)).choices[0].delta.content as string;
      });
      expect(contents).toHaveLength(tokens);
      expect(contents.every((c) => c.length === 200)).toBe(true);
    } finally {
      socket.destroy();
    }
  });

  for (const pacing of [{ intervalMs: 1 }, undefined]) {
    it(`frames an event larger than its framing scratch whole, between ordinary ones (${pacing ? "paced" : "unpaced"})`, async () => {
      await using fake = await startFakeProvider();
      // 100k three-byte characters: 300 KB of UTF-8 in one event, past the 64 KB scratch.
      const tokens = ["before", "€".repeat(100_000), "after", "€".repeat(30_000), "end"];
      await fake.setScript({ content: { tokens }, pacing });
      expect(await streamedTokens(fake)).toEqual(tokens);
    });

    it(`frames tokens whose UTF-8 needs a longer size line than their length does, back to back (${pacing ? "paced" : "unpaced"})`, async () => {
      await using fake = await startFakeProvider();
      // An OpenAI chunk's size line grows from 2 hex digits to 3 at 256 bytes: with three-byte
      // characters, some of these events are shorter than that as strings and longer in UTF-8.
      // Unpaced, 3,000 of them fill the 64 KB framing scratch several times over.
      const tokens = Array.from({ length: 3000 }, (_, k) => "€".repeat(1 + (k % 40)));
      await fake.setScript({ content: { tokens }, pacing });
      expect(await streamedTokens(fake)).toEqual(tokens);
    });
  }

  it("sizes each chunk in UTF-8 bytes, not string length, for tokens beyond ASCII", async () => {
    await using fake = await startFakeProvider();
    // Two- to four-byte characters, one astral, and a lone surrogate (JSON escapes it).
    const tokens = ["é", "€ ", "日本語", "😀", "a\u0000b", "\ud800x"];
    await fake.setScript({ content: { tokens } });
    expect(await streamedTokens(fake)).toEqual(tokens);
  });
});
