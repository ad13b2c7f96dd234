import { existsSync } from "node:fs";
import { constants, type ServerHttp2Stream } from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useRunCa } from "../../../proxies/testing/run-ca-fixture.ts";
import { createRunCa, type RunCa } from "../../../runtime/tls/run-ca.ts";
import { startH2Server, writePaced } from "../testing/h2-server.ts";
import {
  chromiumAvailable,
  chromiumProcessesFor,
  launchBrowserClient,
  type StartedBrowser,
} from "./chromium.ts";

// Real Chromium against Node's HTTP/2 server over TLS: the mechanics of the browser client. What
// real edges make of a broken upstream is in ../clients-through-edges.int.test.ts.
const availability = await chromiumAvailable();
if (!availability.ok)
  console.warn(`skipping browser client tests: ${availability.reason} (${availability.install})`);

/** Timers on a busy 2-core box fire late, never early; allow a little early for clock granularity. */
const EARLY_MS = 15;
const SSE = { ":status": 200, "content-type": "text/event-stream", "cache-control": "no-cache" };
const EVENTS = ["id: 1\ndata: a\n\n", "id: 2\ndata: b\n\n", "id: 3\ndata: c\n\n"];

describe.skipIf(!availability.ok)("browser client (headless Chromium)", () => {
  const run = useRunCa();
  let ca: RunCa;
  let browser: StartedBrowser;
  beforeAll(async () => {
    ca = run.ca();
    const launch = await launchBrowserClient({ trustSpki: [ca.leafSpkiSha256] });
    if (!launch.ok) throw new Error(launch.skip.reason);
    browser = launch.browser;
  });
  afterAll(async () => {
    await browser?.[Symbol.asyncDispose]();
  });

  it("reads a clean stream with fetch(): chunk times that follow the pacing, over h2, the SSE view", async () => {
    const gap = 80;
    let writtenAt: number[] = [];
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      writtenAt = await writePaced(stream, EVENTS, gap);
      stream.end();
    });
    const obs = await browser.request({
      url: `${server.url}/v1/stream?q=1`,
      headers: { Accept: "text/event-stream" },
    });
    expect(obs.client).toBe("browser");
    expect(obs.end.kind).toBe("clean");
    expect(obs.complete).toBe(true);
    expect(obs.browser).toMatchObject({ api: "fetch", outcome: "complete", nextHopProtocol: "h2" });
    expect(obs.browser!.chromium).toBe(browser.version);
    expect(obs.response).toMatchObject({ statusCode: 200, httpVersion: "2", framing: "opaque" });
    expect(obs.text).toBe(EVENTS.join(""));
    expect(obs.sse.events.map((e) => e.data)).toEqual(["a", "b", "c"]);
    // Page times mapped to ours: no event before its write (give or take the clock mapping's own
    // uncertainty), each after the write before it.
    const slack = obs.browser!.clock.uncertaintyMs + EARLY_MS;
    for (const [i, event] of obs.sse.events.entries()) {
      expect(event.t).toBeGreaterThanOrEqual(writtenAt[i]! - slack);
      if (i > 0) expect(event.t - writtenAt[i - 1]!).toBeGreaterThanOrEqual(gap - slack);
    }
    expect(obs.browser!.clock.uncertaintyMs).toBeLessThan(250);
    expect(obs.startedAt).toBeLessThanOrEqual(obs.firstBodyByteAt!);
    const seen = await server.stream(0);
    expect(seen.headers[":path"]).toBe("/v1/stream?q=1");
    expect(seen.headers.accept).toBe("text/event-stream");
  });

  it("sends a POST body, and a RST_STREAM mid-body is the page's `TypeError: network error`", async () => {
    await using server = await startH2Server(ca, async ({ stream, body }) => {
      await body;
      stream.respond(SSE);
      await writePaced(stream, EVENTS.slice(0, 2), 20);
      await new Promise((r) => setTimeout(r, 50));
      stream.destroy(new Error("upstream died"));
    });
    const obs = await browser.request({ url: `${server.url}/chat`, body: { message: "hi" } });
    expect(await (await server.stream(0)).body).toBe('{"message":"hi"}');
    expect(obs.end.kind).toBe("network-error");
    expect(obs.browser!.error).toMatchObject({ name: "TypeError", message: "network error", phase: "read" });
    expect(obs.end.detail).toBe("the body reader threw after 30 bytes: TypeError: network error");
    expect(obs.sse.events.map((e) => e.data)).toEqual(["a", "b"]);
    expect(obs.complete).toBe(false);
  });

  it("hangs up after N events like a Stop button: the server sees RST_STREAM(CANCEL)", async () => {
    await using server = await startH2Server(ca, async ({ stream }) => {
      stream.respond(SSE);
      for (let i = 0; i < 100 && !stream.closed; i++) {
        stream.write(`data: ${i}\n\n`);
        await new Promise((r) => setTimeout(r, 30));
      }
    });
    const obs = await browser.request({ url: `${server.url}/`, disconnect: { afterEvents: 2 } });
    expect(obs.end.kind).toBe("client-disconnect");
    expect(obs.disconnect?.reason).toMatch(/^after [23] SSE events$/);
    expect(obs.browser!.outcome).toBe("aborted");
    expect(await (await server.stream(0)).closed).toBe(constants.NGHTTP2_CANCEL);
  });

  it("gives up after the idle timeout, and the server sees the stream cancelled", async () => {
    await using server = await startH2Server(ca, ({ stream }) => {
      stream.respond(SSE);
      stream.write(EVENTS[0]);
    });
    const obs = await browser.request({ url: `${server.url}/`, idleTimeoutMs: 300 });
    expect(obs.end).toMatchObject({ kind: "timeout", detail: "idle: nothing reached the page for 300ms" });
    expect(obs.end.t - obs.firstBodyByteAt!).toBeGreaterThanOrEqual(300 - EARLY_MS);
    expect(await (await server.stream(0)).closed).toBe(constants.NGHTTP2_CANCEL);
  });

  describe("EventSource", () => {
    const sseServer = (after: (stream: ServerHttp2Stream) => void) =>
      startH2Server(ca, async ({ stream }) => {
        stream.respond(SSE);
        // retry: a short reconnection time keeps the test fast; browsers honour it (WHATWG SSE).
        await writePaced(stream, ["retry: 100\n\n", ...EVENTS.slice(0, 2)], 10);
        after(stream);
      });

    it("reconnects by itself after the stream ends, re-sending the request with Last-Event-ID", async () => {
      await using server = await sseServer((stream) => stream.end());
      const obs = await browser.request({ url: `${server.url}/events`, api: "eventsource" });
      expect(obs.browser!.eventSource).toMatchObject({ reconnects: 1, closedBecause: "reconnected" });
      expect(obs.end.kind).toBe("network-error");
      expect(obs.end.detail).toMatch(
        /^EventSource error \(readyState CONNECTING: the browser reconnects\); it reconnected and re-sent the request \d+ms later$/,
      );
      expect(obs.sse.events.map((e) => [e.data, e.id])).toEqual([
        ["a", "1"],
        ["b", "2"],
      ]);
      expect(obs.response?.statusCode).toBe(200);
      const again = await server.stream(1);
      expect(again.headers[":path"]).toBe("/events");
      expect(again.headers["last-event-id"]).toBe("2");
    });

    it("does the same after a RST_STREAM: EventSource cannot tell a broken stream from a finished one", async () => {
      await using server = await sseServer((stream) => stream.destroy(new Error("cut")));
      const obs = await browser.request({ url: `${server.url}/events`, api: "eventsource" });
      expect(obs.browser!.eventSource!.reconnects).toBe(1);
      expect(server.streams).toHaveLength(2);
    });

    it("is closed by the page on its done signal, and then never re-sends", async () => {
      await using server = await startH2Server(ca, async ({ stream }) => {
        stream.respond(SSE);
        await writePaced(stream, ["retry: 100\n\n", "data: a\n\n", "data: [DONE]\n\n"], 10);
        stream.end();
      });
      const obs = await browser.request({
        url: `${server.url}/events`,
        api: "eventsource",
        eventSource: { closeOnData: "[DONE]", reconnectWindowMs: 500 },
      });
      expect(obs.end.kind).toBe("clean");
      expect(obs.browser!.eventSource).toMatchObject({ reconnects: 0, closedBecause: "done-signal" });
      expect(server.streams).toHaveLength(1);
    });

    it("fails for good on an error status, with no reconnect", async () => {
      await using server = await startH2Server(ca, ({ stream }) => {
        stream.respond({ ":status": 500, "content-type": "application/json" });
        stream.end('{"error":"boom"}');
      });
      const obs = await browser.request({ url: `${server.url}/events`, api: "eventsource" });
      expect(obs.browser!.eventSource).toMatchObject({ reconnects: 0, closedBecause: "failed" });
      expect(obs.end.detail).toContain("readyState CLOSED");
      expect(obs.response?.statusCode).toBe(500);
    });

    it("refuses a POST: EventSource cannot send one", async () => {
      await expect(
        browser.request({ url: "https://127.0.0.1:1/x", api: "eventsource", body: { a: 1 } }),
      ).rejects.toMatchObject({ code: "BROWSER_EVENTSOURCE_UNSUITED" });
    });
  });
});

describe.skipIf(!availability.ok)("browser client lifecycle", () => {
  it("leaves no Chromium process and no profile dir behind, also with a request in flight", async () => {
    await using ca = await createRunCa();
    await using server = await startH2Server(ca, ({ stream }) => {
      stream.respond(SSE);
      stream.write(EVENTS[0]);
    });
    const launch = await launchBrowserClient({ trustSpki: [ca.leafSpkiSha256] });
    if (!launch.ok) throw new Error(launch.skip.reason);
    const browser = launch.browser;
    expect(await chromiumProcessesFor(browser.userDataDir)).not.toEqual([]);
    const pending = browser.request({ url: `${server.url}/`, timeoutMs: 30_000 }).catch((e: unknown) => e);
    await server.stream(0);
    await browser[Symbol.asyncDispose]();
    expect(await pending).toMatchObject({ code: "BROWSER_REQUEST_FAILED" });
    expect(browser.alive()).toBe(false);
    expect(await chromiumProcessesFor(browser.userDataDir)).toEqual([]);
    expect(existsSync(browser.userDataDir)).toBe(false);
  });
});
