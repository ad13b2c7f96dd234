import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { cassetteBody } from "../body.ts";
import { cassetteSchema } from "../cassette.ts";
import { cassetteEvents } from "../events.ts";
import { anthropicToolUseEvents } from "../testing/anthropic-tool-use.ts";
import { cassettesFromHar, looksLikeHar } from "./har.ts";

const fixture = async (name: string) =>
  JSON.parse(await readFile(new URL(`../testing/${name}`, import.meta.url), "utf8")) as unknown;

describe("cassettesFromHar (a Chrome DevTools export)", () => {
  it("imports each streamed entry, leaves the page and JSON calls out", async () => {
    const har = await fixture("chrome-export.har");
    expect(looksLikeHar(har)).toBe(true);
    const imported = cassettesFromHar(har, "session.har");
    expect(imported.map((i) => [i.slugOf, i.cassette.provider, i.cassette.providerBy])).toEqual([
      // The app's own endpoint relays OpenAI chunks: its events say so, not its path.
      ["/api/chat", "openai", "events"],
      ["/v1/messages", "anthropic", "route"],
    ]);
    for (const { cassette } of imported) expect(cassetteSchema.safeParse(cassette).success).toBe(true);
  });

  it("keeps the body exactly, one write per event spread over the receive time, and says so", async () => {
    const [, anthropic] = cassettesFromHar(await fixture("chrome-export.har"), "session.har");
    const cassette = anthropic!.cassette;
    expect(cassetteBody(cassette).bytes.toString("utf8")).toBe(anthropicToolUseEvents.join(""));
    // blocked 2.9 + dns 1.1 + connect 38.7 (ssl inside it) + send 0.412 + wait 1402.6
    expect(cassette.response!.t).toBeCloseTo(1445.712, 3);
    const writes = cassette.response!.writes;
    expect(writes).toHaveLength(anthropicToolUseEvents.length);
    expect(writes.at(-1)!.t).toBeCloseTo(1445.712 + 1710.3, 3);
    expect(writes[1]!.t - writes[0]!.t).toBeCloseTo(1710.3 / writes.length, 2);
    expect(cassette.response!.timing).toBe("spread");
    expect(cassette.source).toMatchObject({ kind: "har", from: "session.har" });
    expect(cassette.source.note).toContain("HAR has no per-write times");
    expect(cassette.end).toMatchObject({ how: "unknown" });
    expect(cassetteEvents(cassette).events.map((e) => e.type)).toContain("content_block_delta");
  });

  it("redacts secrets, drops HTTP/2 pseudo-headers and the encoding of a body the HAR holds decoded", async () => {
    const [chat, anthropic] = cassettesFromHar(await fixture("chrome-export.har"), "session.har");
    const request = chat!.cassette.request!;
    expect(request).toMatchObject({ method: "POST", path: "/api/chat", query: "stream=1" });
    expect(request.headers).toContainEqual(["cookie", "[redacted]"]);
    expect(request.headers).toContainEqual(["authorization", "[redacted]"]);
    expect(request.headers.map(([name]) => name)).not.toContain(":authority");
    expect(anthropic!.cassette.request!.headers).toContainEqual(["x-api-key", "[redacted]"]);
    expect(JSON.stringify(anthropic!.cassette)).not.toContain("REALKEY");
    expect(chat!.cassette.response!.headers.map(([name]) => name)).not.toContain("content-encoding");
    expect(chat!.cassette.source.note).toContain("content-encoding/content-length dropped");
    expect(
      cassetteEvents(chat!.cassette)
        .events.map((e) => e.type)
        .at(-1),
    ).toBe("[DONE]");
  });

  it("the user names the provider when the events cannot", async () => {
    const imported = cassettesFromHar(await fixture("chrome-export.har"), "session.har", "openrouter");
    expect(imported.map((i) => [i.cassette.provider, i.cassette.providerBy])).toEqual([
      ["openrouter", "user"],
      ["openrouter", "user"],
    ]);
  });

  it("a HAR with no streamed entry names what it has and how to export one", async () => {
    expect(() => cassettesFromHar({ log: { version: "1.2" } }, "x.har")).toThrow(
      expect.objectContaining({ code: "IMPORT_BAD_HAR", why: expect.stringMatching(/^log\.entries: /) }),
    );
    const badDate = (await fixture("chrome-export.har")) as {
      log: { entries: Array<{ startedDateTime: string }> };
    };
    badDate.log.entries[2]!.startedDateTime = "yesterday";
    expect(() => cassettesFromHar(badDate, "x.har")).toThrow(
      expect.objectContaining({ why: "log.entries.2.startedDateTime: not an ISO 8601 date" }),
    );
    const none = await fixture("chrome-export-no-stream.har");
    expect(() => cassettesFromHar(none, "none.har")).toThrow(
      expect.objectContaining({
        code: "IMPORT_HAR_NO_STREAM",
        why: "none of its 2 entries is text/event-stream or application/x-ndjson",
        details: [
          "GET https://chat.example.com/ → 200 text/html",
          "POST https://chat.example.com/api/conversations → 201 application/json",
        ],
      }),
    );
  });

  it("a streamed entry saved without its body is not importable, and the message says why", async () => {
    const har = (await fixture("chrome-export.har")) as {
      log: { entries: Array<{ response: { content: { text?: string } } }> };
    };
    for (const entry of har.log.entries) delete entry.response.content.text;
    expect(() => cassettesFromHar(har, "nocontent.har")).toThrow(
      expect.objectContaining({
        why: "its 2 event-stream/NDJSON entries have no body text (the HAR was saved without content)",
      }),
    );
  });
});
