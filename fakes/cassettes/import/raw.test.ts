import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { cassetteBody } from "../body.ts";
import { cassetteSchema } from "../cassette.ts";
import { cassetteEvents } from "../events.ts";
import { cassetteFromRaw } from "./raw.ts";

const fixture = (name: string) => readFile(new URL(`../testing/${name}`, import.meta.url));

describe("cassetteFromRaw (curl -N captures)", () => {
  it("an SSE capture: detected as SSE and as OpenAI, one write per event at 0 ms, and says what it assumed", async () => {
    const bytes = await fixture("openai-curl-n.sse");
    const { cassette, slugOf } = cassetteFromRaw(bytes, "openai.sse");
    expect(cassetteSchema.safeParse(cassette).success).toBe(true);
    expect(slugOf).toBe("capture");
    expect(cassette).toMatchObject({
      provider: "openai",
      providerBy: "events",
      source: { kind: "raw", from: "openai.sse" },
      response: { status: 200, timing: "none", headers: [["content-type", "text/event-stream"]] },
      end: { how: "unknown", t: 0 },
    });
    expect(cassette.request).toBeUndefined();
    expect(cassette.source.note).toContain("status 200 assumed");
    expect(cassetteBody(cassette).bytes.equals(bytes)).toBe(true);
    expect(cassette.response!.writes.every((w) => w.t === 0)).toBe(true);
    expect(cassetteEvents(cassette).events.map((e) => e.type)).toEqual([
      "message",
      "message",
      "message",
      "message",
      "[DONE]",
    ]);
  });

  it("an NDJSON capture: detected as NDJSON and as Ollama", async () => {
    const bytes = await fixture("ollama-curl-n.ndjson");
    const { cassette } = cassetteFromRaw(bytes, "ollama.ndjson");
    expect(cassette.provider).toBe("ollama");
    expect(cassette.response!.headers).toEqual([["content-type", "application/x-ndjson"]]);
    expect(cassetteEvents(cassette).events.map((e) => e.type)).toEqual(["line", "line", "line", "done"]);
    expect(cassetteBody(cassette).bytes.equals(bytes)).toBe(true);
  });

  it("a curl -iN capture keeps its status and headers (Gemini's CRLF framing intact)", async () => {
    const bytes = await fixture("gemini-curl-in.txt");
    const { cassette } = cassetteFromRaw(bytes, "gemini.txt");
    expect(cassette.provider).toBe("gemini");
    expect(cassette.response!.status).toBe(200);
    expect(cassette.response!.headers.filter(([name]) => name === "vary")).toHaveLength(3);
    expect(cassette.source.note).not.toContain("assumed");
    const body = cassetteBody(cassette).bytes.toString("utf8");
    expect(body.startsWith("data: {")).toBe(true);
    expect(body.endsWith("}\r\n\r\n")).toBe(true);
    expect(cassetteEvents(cassette).events).toHaveLength(2);
  });

  it("--format and --provider win over detection", async () => {
    const lines = Buffer.from('{"delta":"a"}\n{"delta":"b"}\n');
    const { cassette } = cassetteFromRaw(lines, "x.jsonl", { format: "ndjson", provider: "ollama" });
    expect(cassette).toMatchObject({ provider: "ollama", providerBy: "user" });
    expect(cassette.response!.writes).toHaveLength(2);
    const unknown = cassetteFromRaw(lines, "x.jsonl").cassette;
    expect(unknown).toMatchObject({ provider: "unknown", providerBy: "none" });
  });

  it("something that is no stream is refused with the fix", () => {
    expect(() => cassetteFromRaw(Buffer.from("<!doctype html><p>hi</p>"), "page.html")).toThrow(
      expect.objectContaining({ code: "IMPORT_NOT_A_STREAM", what: "page.html is not a stream capture" }),
    );
  });
});
