import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeTempDir } from "../lib/tempdir.ts";
import { until } from "../lib/testing.ts";
import { cassetteBody } from "./cassettes/body.ts";
import type { Cassette } from "./cassettes/cassette.ts";
import { cassetteEvents } from "./cassettes/events.ts";
import { loadCassette } from "./cassettes/load.ts";
import { startRecorder } from "./cassettes/record/recorder.ts";
import { cassetteWith } from "./cassettes/testing/build.ts";
import { checkScript, startFakeProvider } from "./index.ts";
import { rawRequest } from "./testing/raw-http.ts";

/**
 * Replay: a cassette served by the fake is the recording, byte for byte and write by write, with its
 * recorded times; fault steps land on the recording's own bytes, events and times.
 */
const OPENAI_BODY = { model: "gpt-4o-mini", stream: true, stream_options: { include_usage: true } };

/** Records one exchange with a fake playing `script` (the tool-calls recording of the catalog, in small). */
async function recordFromFake(script: unknown, path = "/v1/chat/completions", body: unknown = OPENAI_BODY) {
  await using out = await makeTempDir("replay-record");
  await using fake = await startFakeProvider({ script });
  await using recorder = await startRecorder({ target: fake.url, out: out.path });
  const live = await rawRequest(recorder.url, { path, body });
  await until(() => recorder.saved().length >= 1, 5_000, "the cassette saved");
  return { live, cassette: await loadCassette(recorder.saved()[0]!.file) };
}

async function replay(script: unknown, path = "/v1/chat/completions", body: unknown = OPENAI_BODY) {
  await using fake = await startFakeProvider({ script });
  const response = await rawRequest(fake.url, { path, body });
  return { response, entry: fake.journal()[0]! };
}

const toolCallScript = {
  content: {
    text: "Let me check the weather in Zürich.",
    toolCalls: [{ name: "get_weather", arguments: '{"location": "Zürich, CH", "unit": "celsius"}' }],
  },
  pacing: { firstTokenMs: 5, intervalMs: 4 },
};

describe("replaying a cassette", () => {
  it("record → replay: the same status, headers and body bytes, in the recorded writes and times", async () => {
    const { live, cassette } = await recordFromFake(toolCallScript);
    const { response, entry } = await replay({ content: { cassette } });
    expect(response.status).toBe(200);
    expect(response.complete).toBe(true);
    expect(response.body.equals(live.body)).toBe(true);
    expect(response.chunks.map((c) => c.length)).toEqual(live.chunks.map((c) => c.length));
    expect(response.headers["content-type"]).toBe(live.headers["content-type"]);
    expect(response.headers["x-request-id"]).toBe(live.headers["x-request-id"]);
    // Journaled like the synthesized stream: the same kinds and the same answer text.
    expect(entry.outcome).toBe("complete");
    const kinds = entry.events.map((e) => e.kind);
    expect(kinds).toContain("tool-call");
    expect(kinds.filter((k) => k === "content").length).toBe(7);
    expect(entry.events.map((e) => e.text ?? "").join("")).toBe("Let me check the weather in Zürich.");
    // Each write due at its recorded time after the headers.
    const recorded = cassetteBody(cassette).writes.map((w) => w.t - cassette.response!.t);
    const due = entry.events.map((e) => e.due! - entry.t.headersSent!);
    for (const [i, d] of due.entries()) expect(d).toBeCloseTo(recorded[i]!, -1);
  });

  it("an RST at byte N: exactly N body bytes arrive, then a reset", async () => {
    const { cassette } = await recordFromFake(toolCallScript);
    const { events } = cassetteEvents(cassette);
    const args = events.findIndex((e) => e.data.includes('"arguments":"celsius'));
    const byte = events[args]!.offset + 20;
    const { response, entry } = await replay({
      content: { cassette },
      faults: [{ fault: "rst", at: { byte } }],
    });
    expect(response.body.length).toBe(byte);
    expect(response.body.equals(cassetteBody(cassette).bytes.subarray(0, byte))).toBe(true);
    expect(response.close).toBe("rst");
    expect(entry.faults).toMatchObject([{ fault: "rst", at: `byte:${byte}` }]);
  });

  it("an event placement cuts before the recording's event n; a time placement fires at its time", async () => {
    const { cassette } = await recordFromFake({
      ...toolCallScript,
      pacing: { firstTokenMs: 5, intervalMs: 30 },
    });
    const { events } = cassetteEvents(cassette);
    const { response } = await replay({
      content: { cassette },
      faults: [{ fault: "fin", at: { event: 4 } }],
    });
    expect(response.body.length).toBe(events[4]!.offset);
    expect(response.close).toBe("fin");
    const at = cassette.response!.writes[6]!.t - cassette.response!.t + 10;
    const timed = await replay({
      content: { cassette },
      faults: [{ fault: "stall", ms: 200, at: { ms: at } }],
    });
    const reads = timed.response.reads;
    const gap = Math.max(...reads.slice(1).map((r, i) => r.t - reads[i]!.t));
    expect(gap).toBeGreaterThanOrEqual(190);
    expect(timed.entry.faults).toMatchObject([{ fault: "stall", at: `ms:${at}` }]);
  });
});

describe("checking a script that replays a cassette", () => {
  const cassette = cassetteWith([
    [2, 'data: {"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}\n\n'],
    [3, 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'],
    [4, "data: [DONE]\n\n"],
  ]);
  const issues = (script: unknown, baseDir?: string) => {
    const result = checkScript(script, baseDir ? { baseDir } : {});
    return result.ok ? [] : result.issues;
  };

  it("refuses offsets beyond the recording, naming its size", () => {
    expect(issues({ content: { cassette }, faults: [{ fault: "rst", at: { byte: 9000 } }] })).toEqual([
      {
        field: "faults[0].at",
        message: expect.stringMatching(
          /^byte 9000 is beyond the recording, which has 160 body bytes, 3 events \(1 text delta\), 3 ms after the headers; place it at byte 160 at most/,
        ),
      },
    ]);
    expect(
      issues({ content: { cassette }, faults: [{ fault: "fin", at: { event: 3 } }] })[0]?.message,
    ).toMatch(/^event 3 is beyond the recording.*events are numbered 0 to 2/);
    expect(
      issues({ content: { cassette }, faults: [{ fault: "stall", ms: 5, at: { ms: 50 } }] })[0]?.message,
    ).toMatch(/^ms 50 is beyond the recording/);
  });

  it("refuses what cannot apply to recorded bytes, and time placements without a recording", () => {
    expect(issues({ content: { cassette }, faults: [{ fault: "omit-usage" }] })[0]).toMatchObject({
      field: "faults[0].fault",
      message: expect.stringMatching(/changes what the codec synthesizes/),
    });
    expect(issues({ content: { cassette, text: "hi" } })[0]?.field).toBe("content.text");
    expect(issues({ faults: [{ fault: "rst", at: { ms: 5 } }] })[0]?.message).toMatch(
      /only a script that replays/,
    );
  });

  it("reads a path relative to the base directory, and says what is wrong with a bad file", async () => {
    await using dir = await makeTempDir("replay-check");
    await writeFile(join(dir.path, "ok.cassette.json"), JSON.stringify(cassette));
    await writeFile(join(dir.path, "corrupt.cassette.json"), '{"version": 1, "provider": ');
    await writeFile(join(dir.path, "v9.cassette.json"), JSON.stringify({ ...cassette, version: 9 }));
    const ok = checkScript({ content: { cassette: "ok.cassette.json" } }, { baseDir: dir.path });
    expect(ok.ok ? (ok.script.content!.cassette as Cassette).provider : ok.issues).toBe("openai");
    expect(issues({ content: { cassette: "missing.cassette.json" } }, dir.path)[0]?.message).toMatch(
      /Cannot read the cassette .*missing\.cassette\.json: no such file/,
    );
    expect(issues({ content: { cassette: "corrupt.cassette.json" } }, dir.path)[0]?.message).toMatch(
      /not valid JSON/,
    );
    expect(issues({ content: { cassette: "v9.cassette.json" } }, dir.path)[0]?.message).toMatch(
      /unknown version.*version is 9.*Re-record or upgrade/,
    );
  });
});

describe("a replay keeps what the recording says about its bytes and its end", () => {
  const body = [
    'data: {"choices":[{"index":0,"delta":{"content":"Caf"},"finish_reason":null}]}\n\n',
    'data: {"choices":[{"index":0,"delta":{"content":"é ok"},"finish_reason":null}]}\n\n',
    'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
  ];
  const bytes = Buffer.from(body.join(""));
  const split = bytes.indexOf(Buffer.from("é")) + 1;
  // The é split across two writes (base64 in the file), finish and [DONE] in one write.
  const cassette = cassetteWith([
    [5, bytes.subarray(0, split)],
    [9, bytes.subarray(split, Buffer.byteLength(body[0]! + body[1]!))],
    [12, bytes.subarray(Buffer.byteLength(body[0]! + body[1]!))],
  ]);

  it("writes a character split across two recorded writes in those two writes", async () => {
    const { response, entry } = await replay({ content: { cassette } });
    expect(response.body.equals(bytes)).toBe(true);
    expect(response.chunks.map((c) => c.length)).toEqual(cassetteBody(cassette).writes.map((w) => w.length));
    expect(entry.events.map((e) => [e.kind, e.text])).toEqual([
      ["content", "Caf"],
      ["content", "é ok"],
      ["finish", undefined],
    ]);
  });

  it("omit-terminator leaves out [DONE] alone when it shares a write with the finish", async () => {
    const { response } = await replay({ content: { cassette }, faults: [{ fault: "omit-terminator" }] });
    expect(response.complete).toBe(true);
    expect(response.body.toString()).toBe(body.join("").replace("data: [DONE]\n\n", ""));
  });

  it("an error event comes in the recorded provider's own format, then a clean end", async () => {
    const { response, entry } = await replay({
      content: { cassette },
      faults: [{ fault: "error-event", at: { token: 1 } }],
    });
    expect(response.body.toString()).toBe(
      `${body[0]}data: {"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error"}}\n\n`,
    );
    expect(response.complete).toBe(true);
    expect(entry.faults).toMatchObject([{ fault: "error-event", at: "token:1" }]);
  });

  it("a recording the upstream cut short ends the same way: no terminating chunk, journaled as such", async () => {
    const cut: Cassette = { ...cassette, end: { how: "upstream-closed", t: 13 } };
    const { response, entry } = await replay({ content: { cassette: cut } });
    expect(response.body.equals(bytes)).toBe(true);
    expect(response.complete).toBe(false);
    expect(response.close).toBe("fin");
    expect(entry.faults).toMatchObject([{ fault: "fin", at: "recording-end" }]);
  });

  it("keeps a recorded content-length while the body stays whole, and drops transfer-encoding", async () => {
    const json = '{"id":"chatcmpl-1","object":"chat.completion","choices":[]}';
    const unary = cassetteWith(
      [[3, json]],
      [
        ["Content-Type", "application/json"],
        ["Content-Length", String(json.length)],
        ["Transfer-Encoding", "chunked"],
        ["Vary", "Origin"],
        ["Vary", "X-Origin"],
      ],
    );
    const whole = await replay({ content: { cassette: unary } });
    expect(whole.response.headerLines).toEqual(
      expect.arrayContaining([
        "Content-Type: application/json",
        `Content-Length: ${json.length}`,
        "Vary: Origin",
        "Vary: X-Origin",
      ]),
    );
    expect(whole.response.headers["transfer-encoding"]).toBeUndefined();
    expect(whole.response.body.toString()).toBe(json);
    const cutShort = await replay({
      content: { cassette: unary },
      faults: [{ fault: "fin", at: { byte: 10 } }],
    });
    expect(cutShort.response.headers["content-length"]).toBeUndefined();
    expect(cutShort.response.headers["transfer-encoding"]).toBe("chunked");
  });

  it("re-times the writes by the script's pacing, write by write; pacing {} sends them at once", async () => {
    const paced = await replay({ content: { cassette }, pacing: { firstTokenMs: 100, intervalMs: 100 } });
    const dues = paced.entry.events.map((e) => e.due!);
    // Counted from the request's arrival, not from the headers, which a loaded machine sends some
    // milliseconds later (measured from them, this read 90/190/290 in CI): the first due is
    // firstTokenMs after it, plus the body's read and the round-up to a whole millisecond.
    const first = dues[0]! - paced.entry.t.received;
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThan(150);
    expect(dues.slice(1).map((due, i) => due - dues[i]!)).toEqual([100, 100]);
    const fast = await replay({ content: { cassette }, pacing: {} });
    expect(fast.entry.events.every((e) => e.due === undefined)).toBe(true);
  });

  it("answers a request on another provider's route with a 500 that says so, and journals why", async () => {
    const { response, entry } = await replay({ content: { cassette } }, "/v1/messages", { stream: true });
    expect(response.status).toBe(500);
    expect(response.body.toString()).toMatch(
      /replays a cassette recorded from openai, but the request came in on the anthropic route/,
    );
    expect(entry.error).toMatch(/recorded from openai/);
  });
});
