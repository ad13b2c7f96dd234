import { connect, Socket } from "node:net";
import { describe, expect, it, vi } from "vitest";
import { until } from "../lib/testing.ts";
import { startFakeProvider } from "./index.ts";
import { openai } from "./providers/openai.ts";
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

/**
 * Makes the OpenAI streams opened from now on throw on their `breakAt`-th token, whichever way it
 * is rendered (a string, or bytes written into the scratch): a bug in the fake's own rendering,
 * after the headers are out. Restore with the returned spy.
 */
function breakOpenAiToken(breakAt: number) {
  const open = openai.open;
  return vi.spyOn(openai, "open").mockImplementation((ctx) => {
    const stream = open(ctx);
    let tokens = 0;
    const countOrBreak = () => {
      tokens++;
      if (tokens === breakAt) throw new Error(`token ${breakAt} broke in the fake, on purpose`);
    };
    const renderToken = stream.renderToken.bind(stream);
    stream.renderToken = (text, finish) => {
      countOrBreak();
      return renderToken(text, finish);
    };
    const writeToken = stream.writeToken?.bind(stream);
    if (writeToken !== undefined) {
      stream.writeToken = (target, at, limit, text, finish) => {
        countOrBreak();
        return writeToken(target, at, limit, text, finish);
      };
    }
    return stream;
  });
}

/** node:net's one path from a socket write to the kernel: a write, or a writev of several. */
type WriteGeneric = (
  this: Socket,
  writev: boolean,
  data: unknown,
  encoding: string,
  callback: (error?: Error | null) => void,
) => unknown;

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

  /**
   * Records each socket write the fake makes from `port`, as the bytes one write handed the kernel
   * (Socket#_writeGeneric: a write or a writev; the fake runs in this process), until disposed.
   */
  function watchWrites(port: number) {
    const writes: string[] = [];
    const prototype = Socket.prototype as unknown as { _writeGeneric: WriteGeneric };
    const writeGeneric = prototype._writeGeneric;
    prototype._writeGeneric = function (this: Socket, writev, data, encoding, callback) {
      if (this.localPort === port) {
        const parts = writev ? (data as { chunk: Buffer | string }[]) : [{ chunk: data as Buffer | string }];
        writes.push(
          parts.map((p) => (typeof p.chunk === "string" ? p.chunk : p.chunk.toString("latin1"))).join(""),
        );
      }
      return writeGeneric.call(this, writev, data, encoding, callback);
    };
    return {
      writes,
      [Symbol.dispose]() {
        prototype._writeGeneric = writeGeneric;
      },
    };
  }

  const streamRequest = { path: "/v1/chat/completions", body: { model: "gpt-4o", stream: true } };

  // A body that stops with no terminator is what a client must treat as broken: a fake that broke
  // and still ended the body cleanly would hand a backend a truncated answer as a whole one, and a
  // scenario a green verdict for the wrong reason.
  const tokens = (n: number, size: number) => Array.from({ length: n }, (_, i) => `${i}`.padEnd(size, "x"));
  it.each([
    // Each paced write leaves at once: tokens 0 and 1 are out when token 2 breaks.
    {
      name: "paced",
      script: { content: { tokens: tokens(4, 3) }, pacing: { firstTokenMs: 10, intervalMs: 10 } },
      breakAt: 3,
    },
    // Unpaced, events leave a scratch-full (64 KB) at a time: ~40 tokens are out when token 100 breaks.
    { name: "unpaced", script: { content: { tokens: tokens(120, 1_500) } }, breakAt: 100 },
  ])(
    "cuts a $name stream, with no terminator, when the fake itself breaks after bytes are out; journals why and serves on",
    async ({ script, breakAt }) => {
      await using fake = await startFakeProvider();
      await fake.setScript(script);
      const broken = breakOpenAiToken(breakAt);
      let response: Awaited<ReturnType<typeof rawRequest>>;
      try {
        response = await rawRequest(fake.url, streamRequest);
      } finally {
        broken.mockRestore();
      }
      expect(response.status).toBe(200);
      expect(response.complete).toBe(false);
      expect(["fin", "rst"]).toContain(response.close);
      const body = response.body.toString("utf8");
      expect(body).toContain('"content":"0');
      expect(body).not.toContain(`"content":"${breakAt - 1}x`);
      expect(body).not.toContain("[DONE]");
      const [entry] = await fake.waitFor({ event: "response-ended" }, 5_000);
      expect(entry!.outcome).toBe("fault");
      expect(entry!.error).toBe(`token ${breakAt} broke in the fake, on purpose`);
      expect(entry!.status).toBe(200);

      // The failure was that request's alone: the next one is answered whole.
      const next = await rawRequest(fake.url, streamRequest);
      expect(next.complete).toBe(true);
      expect(next.body.toString("utf8")).toContain("[DONE]");
      const [, nextEntry] = await fake.waitFor({ event: "response-ended", count: 2 }, 5_000);
      expect(nextEntry!.outcome).toBe("complete");
    },
  );

  it("closes the connection with nothing on it when the fake breaks before its first write left", async () => {
    // Unpaced, the head and the first events wait for one write: a break among them leaves
    // nothing out, and node:http counts the head as sent, so no 500 can follow. The client sees a
    // connection closed before any response, never a clean one, and the journal says why.
    await using fake = await startFakeProvider();
    await fake.setScript({ content: { tokens: tokens(4, 3) } });
    const broken = breakOpenAiToken(3);
    let response: Awaited<ReturnType<typeof rawRequest>>;
    try {
      response = await rawRequest(fake.url, streamRequest);
    } finally {
      broken.mockRestore();
    }
    expect(response.raw.length).toBe(0);
    expect(["fin", "rst"]).toContain(response.close);
    const [entry] = await fake.waitFor({ event: "response-ended" }, 5_000);
    expect(entry!.outcome).toBe("fault");
    expect(entry!.error).toBe("token 3 broke in the fake, on purpose");
  });

  it("sends a paced stream's last event and the chunked terminator in one socket write", async () => {
    await using fake = await startFakeProvider();
    await fake.setScript({
      content: { tokens: ["a", "b", "c"] },
      pacing: { firstTokenMs: 20, intervalMs: 20 },
    });
    using watched = watchWrites(fake.port);
    const response = await rawRequest(fake.url, streamRequest);
    expect(response.complete).toBe(true);
    expect(watched.writes.at(-1)).toBe("e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
    // Every event before it in a write of its own, at its time: headers with the role chunk,
    // three tokens, the finish chunk.
    expect(watched.writes).toHaveLength(6);
    await until(() => fake.journal()[0]?.outcome === "complete", 5_000, "the journal's outcome");
    const [entry] = fake.journal();
    expect(entry!.t.responseEnded).toBeGreaterThanOrEqual(entry!.events.at(-1)!.t);
  });

  it("leaves the terminator for after a step placed at the end of a paced stream", async () => {
    await using fake = await startFakeProvider();
    await fake.setScript({
      content: { tokens: ["a", "b"] },
      pacing: { intervalMs: 20 },
      faults: [{ fault: "hold-open", ms: 100 }],
    });
    using watched = watchWrites(fake.port);
    const response = await rawRequest(fake.url, streamRequest);
    expect(response.complete).toBe(true);
    // [DONE] went when due, the terminator on its own once the held 100 ms were over.
    expect(watched.writes.slice(-2)).toEqual(["e\r\ndata: [DONE]\n\n\r\n", "0\r\n\r\n"]);
  });

  it("sizes each chunk in UTF-8 bytes, not string length, for tokens beyond ASCII", async () => {
    await using fake = await startFakeProvider();
    // Two- to four-byte characters, one astral, and a lone surrogate (JSON escapes it).
    const tokens = ["é", "€ ", "日本語", "😀", "a\u0000b", "\ud800x"];
    await fake.setScript({ content: { tokens } });
    expect(await streamedTokens(fake)).toEqual(tokens);
  });
});
