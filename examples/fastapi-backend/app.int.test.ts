import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BackendProcess } from "../test-support/backend.ts";
import { rawRequest } from "../test-support/raw-client.ts";
import {
  openai,
  ScriptedUpstream,
  sleep,
  sseHead,
  taggedTokenStream,
  write,
} from "../test-support/upstream.ts";

const TIMEOUT_MS = 1500;
const MARKER = /\n\n<!--STREAM_ERROR:(.+?)-->$/;
const ask = { path: "/chatbot/chat", body: { message: "hi" } };

const clean = async (res: ServerResponse) => {
  sseHead(res);
  for (const token of ["Hel", "lo", " world"]) {
    await write(res, openai.token(token));
    await sleep(120);
  }
  await write(res, openai.finish());
  res.end(openai.done);
};
const unauthorized = (res: ServerResponse) => {
  res.writeHead(401, { "content-type": "application/json" });
  res.end('{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}');
};
const midStreamFin = async (res: ServerResponse) => {
  sseHead(res);
  await write(res, openai.token("partial"));
  await sleep(80);
  res.socket?.destroy();
};
const finishThenFin = async (res: ServerResponse) => {
  sseHead(res);
  await write(res, openai.token("whole answer"));
  await write(res, openai.finish());
  await sleep(50);
  res.socket?.destroy();
};

describe("fastapi backend, MODE=hardened (incident 000's fixes)", () => {
  let upstream: ScriptedUpstream;
  let backend: BackendProcess;
  let mark = 0;
  beforeAll(async () => {
    upstream = await ScriptedUpstream.start();
    backend = await BackendProcess.fastapi({
      PROVIDER_BASE_URL: `${upstream.origin}/v1`,
      PROVIDER_API_KEY: "sk-py",
      UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    await backend?.[Symbol.asyncDispose]();
    await upstream?.[Symbol.asyncDispose]();
  });
  beforeEach(() => {
    mark = backend.logs.length;
  });
  const logs = () => backend.since(mark).join("\n");

  it("answers /health", async () => {
    const res = await rawRequest(backend.port, { method: "GET", path: "/health" });
    expect(JSON.parse(res.body)).toEqual({ ok: true });
  });

  it("streams raw tokens as text/plain with anti-buffering headers and a terminator", async () => {
    upstream.reset(clean);
    const res = await rawRequest(backend.port, ask);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(res.headers["x-accel-buffering"]).toBe("no");
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.end).toBe("complete");
    expect(res.body).toBe("Hello world");
    const first = res.chunks.find((c) => c.text.includes("Hel"))!;
    const last = res.chunks.find((c) => c.text.includes(" world"))!;
    expect(last.t - first.t).toBeGreaterThan(150);
    expect(upstream.calls[0]!.json.stream_options).toBeUndefined();
    expect(upstream.calls[0]!.json.messages).toEqual([{ role: "user", content: "hi" }]);
    expect(upstream.calls[0]!.headers.authorization).toBe("Bearer sk-py");
  });

  it("H1: a 401 before the first token is a 502 with a JSON detail, logged at ERROR", async () => {
    upstream.reset(unauthorized);
    const res = await rawRequest(backend.port, ask);
    expect(res.status).toBe(502);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(res.body).detail).toContain("Incorrect API key provided");
    await backend.waitForLog(/ERROR upstream failed before the first token/);
  });

  it("H1: 429 passes through with retry-after; a refused stream_options is a 502", async () => {
    upstream.reset((res) => {
      res
        .writeHead(429, { "content-type": "application/json", "retry-after": "3" })
        .end('{"error":{"message":"slow down"}}');
    });
    const limited = await rawRequest(backend.port, ask);
    expect(limited.status).toBe(429);
    expect(limited.headers["retry-after"]).toBe("3");
    upstream.reset((res) => {
      res.writeHead(400).end(`{"error":{"message":"Unknown parameter: 'stream_options'."}}`);
    });
    expect((await rawRequest(backend.port, ask)).status).toBe(502);
  });

  it("H11: a silent upstream is a 504 after UPSTREAM_TIMEOUT_MS, and the upstream sees the close", async () => {
    upstream.reset(() => sleep(TIMEOUT_MS * 4));
    const res = await rawRequest(backend.port, ask);
    expect(res.status).toBe(504);
    expect(res.endedAt - res.startedAt).toBeGreaterThan(TIMEOUT_MS - 100);
    expect(res.endedAt - res.startedAt).toBeLessThan(TIMEOUT_MS * 2.5);
    await upstream.calls[0]!.settled;
    expect(upstream.calls[0]!.closedEarlyAt).toBeDefined();
  });

  it("H2: a mid-stream FIN ends with the STREAM_ERROR marker and a clean terminator", async () => {
    upstream.reset(midStreamFin);
    const res = await rawRequest(backend.port, ask);
    expect(res.status).toBe(200);
    expect(res.end).toBe("complete");
    expect(res.body.startsWith("partial")).toBe(true);
    expect(res.body).toMatch(MARKER);
    await backend.waitForLog(/ERROR upstream failed after the response started/);
  });

  it("H2: an in-band error event and a malformed event both end with the marker", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("partial"));
      res.end(openai.error("The server had an error"));
    });
    const errored = await rawRequest(backend.port, ask);
    expect(MARKER.exec(errored.body)?.[1]).toContain("The server had an error");
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("partial"));
      res.end('data: {"choices": [\n\n');
    });
    const malformed = await rawRequest(backend.port, ask);
    expect(malformed.end).toBe("complete");
    expect(MARKER.exec(malformed.body)?.[1]).toContain("malformed");
  });

  it("H2/H11: silence after the first token ends with the marker and closes the upstream", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("partial"));
      await sleep(TIMEOUT_MS * 4);
    });
    const res = await rawRequest(backend.port, ask);
    expect(res.end).toBe("complete");
    expect(res.body).toMatch(MARKER);
    await upstream.calls[0]!.settled;
    expect(upstream.calls[0]!.closedEarlyAt).toBeDefined();
  });

  it("H3: a FIN after the finish reason is only a WARN; the answer ends cleanly without marker", async () => {
    upstream.reset(finishThenFin);
    const res = await rawRequest(backend.port, ask);
    expect(res.end).toBe("complete");
    expect(res.body).toBe("whole answer");
    await backend.waitForLog(/WARNING upstream problem after the finish reason/);
    expect(logs()).not.toMatch(/ERROR/);
  });

  it("H3: an end without a finish reason is a truncation: marker", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("partial"));
      res.end();
    });
    const res = await rawRequest(backend.port, ask);
    expect(MARKER.exec(res.body)?.[1]).toContain("without a finish reason");
  });

  it("H6: a client that hangs up makes the backend close the upstream", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      for (let i = 0; i < 50; i++) {
        await write(res, openai.token(`t${i} `));
        await sleep(100);
      }
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { ...ask, disconnectWhen: (body) => body.includes("t1 ") });
    expect(res.end).toBe("client-closed");
    const closedAt = await Promise.race([upstream.calls[0]!.closedEarly, sleep(3000).then(() => undefined)]);
    expect(closedAt).toBeDefined();
    expect(closedAt! - res.endedAt).toBeLessThan(1500);
    await backend.waitForLog(/client disconnected, upstream cancelled/);
  });

  it("H6: a client that leaves before the first token stops the provider call at once", async () => {
    upstream.reset(async (res) => {
      await sleep(2500);
      await clean(res);
    });
    const res = await rawRequest(backend.port, { ...ask, timeoutMs: 400 });
    expect(res.end).toBe("timeout");
    const closedAt = await Promise.race([upstream.calls[0]!.closedEarly, sleep(3000).then(() => undefined)]);
    expect(closedAt).toBeDefined();
    expect(closedAt! - res.endedAt).toBeLessThan(1000);
  });

  it("H3: a provider holding the connection open after [DONE] does not hold the client", async () => {
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("done "));
      await write(res, openai.finish());
      await write(res, openai.done);
      await sleep(5000);
      res.end();
    });
    const res = await rawRequest(backend.port, ask);
    expect(res.end).toBe("complete");
    expect(res.body).toBe("done ");
    expect(res.endedAt - res.startedAt).toBeLessThan(1500);
  });

  it("H7: a second request on a session supersedes the first with a marker and closes its provider call", async () => {
    upstream.reset(taggedTokenStream(100));
    const request = (tag: string) =>
      rawRequest(backend.port, { path: "/chatbot/chat", body: { message: tag, session_id: "s1" } });
    const first = request("A");
    await upstream.waitForCalls(1);
    await sleep(250);
    const [a, b] = await Promise.all([first, request("B")]);
    expect(a.end).toBe("complete");
    expect(MARKER.exec(a.body)?.[1]).toBe("superseded");
    expect(b.body).toBe("B0 B1 B2 B3 B4 B5 B6 B7 ");
    expect(upstream.calls[0]!.closedEarlyAt).toBeDefined();
  });

  it("never let an exception reach uvicorn during all of the above (no traceback, no cancel-scope error)", () => {
    expect(backend.logs.join("\n")).not.toMatch(
      /Traceback|Exception in ASGI|cancel scope|Task was destroyed/,
    );
  });
});

describe("fastapi backend, MODE=naive and bug switches", () => {
  let upstream: ScriptedUpstream;
  beforeAll(async () => {
    upstream = await ScriptedUpstream.start();
  });
  afterAll(async () => {
    await upstream?.[Symbol.asyncDispose]();
  });
  const start = (env: Record<string, string>) =>
    BackendProcess.fastapi({
      PROVIDER_BASE_URL: `${upstream.origin}/v1`,
      UPSTREAM_TIMEOUT_MS: "1500",
      ...env,
    });

  it("naive: 200 before the upstream, a 401 cuts the body without terminator, stream_options sent, no X-Accel-Buffering", async () => {
    await using backend = await start({ MODE: "naive" });
    upstream.reset(unauthorized);
    const mark = backend.logs.length;
    const res = await rawRequest(backend.port, ask);
    expect(res.status).toBe(200);
    expect(res.complete).toBe(false);
    expect(res.end).toBe("fin");
    expect(res.headers["x-accel-buffering"]).toBeUndefined();
    expect(upstream.calls[0]!.json.stream_options).toEqual({ include_usage: true });
    // The app itself logs nothing; what appears is uvicorn's own traceback.
    await backend.waitForLog(/Exception in ASGI application/);
    expect(backend.since(mark).join("\n")).not.toMatch(/upstream failed/);
  });

  it("naive: a mid-stream FIN cuts the body; a FIN after finish appends a false marker", async () => {
    await using backend = await start({ MODE: "naive" });
    upstream.reset(midStreamFin);
    const cut = await rawRequest(backend.port, ask);
    expect(cut.body).toBe("partial");
    expect(cut.complete).toBe(false);
    upstream.reset(finishThenFin);
    const falseMarker = await rawRequest(backend.port, ask);
    expect(falseMarker.end).toBe("complete");
    expect(falseMarker.body.startsWith("whole answer")).toBe(true);
    expect(falseMarker.body).toMatch(MARKER);
  });

  it("BUGS=stream-options-always on the hardened backend sends stream_options and nothing else changes", async () => {
    await using backend = await start({ BUGS: "stream-options-always" });
    upstream.reset(clean);
    const res = await rawRequest(backend.port, ask);
    expect(res.body).toBe("Hello world");
    expect(res.headers["x-accel-buffering"]).toBe("no");
    expect(upstream.calls[0]!.json.stream_options).toEqual({ include_usage: true });
  });

  it("BUGS=accounting-failure appends a marker to a complete answer without usage", async () => {
    await using backend = await start({ BUGS: "accounting-failure" });
    upstream.reset(clean);
    const res = await rawRequest(backend.port, ask);
    expect(res.body.startsWith("Hello world")).toBe(true);
    expect(MARKER.exec(res.body)?.[1]).toContain("accounting failed");
  });

  it("BUGS=no-upstream-cancel reads the provider to its end after the client left", async () => {
    await using backend = await start({ BUGS: "no-upstream-cancel" });
    upstream.reset(async (res) => {
      sseHead(res);
      for (let i = 0; i < 8; i++) {
        await write(res, openai.token(`t${i} `));
        await sleep(60);
      }
      await write(res, openai.finish());
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, { ...ask, disconnectWhen: (body) => body.includes("t0 ") });
    expect(res.end).toBe("client-closed");
    await upstream.calls[0]!.settled;
    expect(upstream.calls[0]!.closedEarlyAt).toBeUndefined();
  });

  it("STREAM_OPTIONS=on asks for usage and accounts with it", async () => {
    await using backend = await start({ STREAM_OPTIONS: "on" });
    upstream.reset(async (res) => {
      sseHead(res);
      await write(res, openai.token("x"));
      await write(res, openai.finish());
      await write(res, openai.usage(7, 2));
      res.end(openai.done);
    });
    const res = await rawRequest(backend.port, ask);
    expect(res.body).toBe("x");
    expect(upstream.calls[0]!.json.stream_options).toEqual({ include_usage: true });
    await backend.waitForLog(/usage input=7 output=2 source=upstream/);
  });

  it("refuses an unknown bug or mode at startup", async () => {
    await expect(start({ BUGS: "nope" })).rejects.toThrow(/unknown bug "nope"/);
    await expect(start({ MODE: "lenient" })).rejects.toThrow(/MODE=lenient/);
  });
});
