import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now } from "../../../lib/clock.ts";
import { type StartedToxiproxyServer, startToxiproxyServer } from "../server.ts";
import {
  addToxic,
  api,
  createProxy,
  RecordingClient,
  startUpstream,
  type Upstream,
} from "../test-support.ts";
import { type TapConnectionJson, tapFromJson } from "./tap-json.ts";
import type { TapBytes, TapConnection } from "./tap-types.ts";

// The taps are an extension of the embedded server: these suites always run against it.
let server: StartedToxiproxyServer;
beforeAll(async () => {
  server = await startToxiproxyServer({ port: 0, taps: { maxBytesPerConnection: 64 * 1024 } });
});
afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
});

const text = (bytes: TapBytes) => Buffer.concat(bytes.segments.map((s) => s.bytes)).toString();

async function taps(proxy: string, since?: number): Promise<TapConnection[]> {
  const answer = await api(
    server.url,
    "GET",
    `/proxies/${proxy}/taps${since === undefined ? "" : `?since=${since}`}`,
  );
  expect(answer.status).toBe(200);
  return answer.json<{ connections: TapConnectionJson[] }>().connections.map(tapFromJson);
}

/** Polls until the proxy's only connection satisfies `done` (both ends are recorded a moment after the client sees them). */
async function tapWhen(proxy: string, done: (tap: TapConnection) => boolean): Promise<TapConnection> {
  const deadline = now() + 5000;
  for (;;) {
    const [tap] = await taps(proxy);
    if (tap && done(tap)) return tap;
    if (now() > deadline) throw new Error(`tap never got there: ${JSON.stringify(tap)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const bothEnded = (tap: TapConnection) => tap.client.end.kind !== "open" && tap.upstream.end.kind !== "open";

/** An upstream that answers the first read with `reply`, then does `after` to its socket. */
function scripted(reply: string, after?: (socket: Socket) => void) {
  return startUpstream((socket) => {
    socket.once("data", () => {
      socket.write(reply, () => after?.(socket));
    });
  });
}

/** A client that says "go" through a fresh proxy (with `toxic`, if any) to an upstream answering `reply`. */
async function exchange(
  upstream: Upstream,
  toxic?: object,
): Promise<{ proxy: { name: string }; client: RecordingClient } & AsyncDisposable> {
  const proxy = await createProxy(server.url, upstream.port);
  if (toxic) await addToxic(server.url, proxy.name, toxic);
  const client = await RecordingClient.connect(proxy.port);
  client.socket.write("go");
  return {
    proxy,
    client,
    async [Symbol.asyncDispose]() {
      await client[Symbol.asyncDispose]();
      await proxy[Symbol.asyncDispose]();
    },
  };
}

describe("taps in the embedded Toxiproxy", () => {
  let echo: Upstream;
  beforeAll(async () => {
    echo = await startUpstream();
  });
  afterAll(async () => {
    await echo?.[Symbol.asyncDispose]();
  });

  it("records both directions as the peers sent them, with times, and a client FIN passed on", async () => {
    await using proxy = await createProxy(server.url, echo.port);
    await using client = await RecordingClient.connect(proxy.port);
    const clientPort = client.socket.localPort;
    const before = now();
    client.socket.write("hello");
    await client.untilBytes(5);
    client.socket.end();
    const tap = await tapWhen(proxy.name, bothEnded);
    expect(tap.tap).toBe("proxy");
    expect(text(tap.toUpstream.sent)).toBe("hello");
    expect(text(tap.toDownstream.sent)).toBe("hello");
    // No toxic ever stood between: what was delivered is what was sent, and only that is kept.
    expect(tap.toDownstream.delivered).toBeUndefined();
    const [up] = tap.toUpstream.sent.segments;
    const [down] = tap.toDownstream.sent.segments;
    expect(up!.t).toBeGreaterThanOrEqual(before);
    expect(down!.t).toBeGreaterThanOrEqual(up!.t);
    expect(down!.t).toBeLessThanOrEqual(client.chunks[0]!.at);
    expect(tap.client.end).toMatchObject({ kind: "fin", by: "peer" });
    expect(tap.upstream.end).toMatchObject({
      kind: "fin",
      by: "proxy",
      detail: "passed on the client side's end",
    });
    expect(tap.upstream.connectedAt).toBeGreaterThanOrEqual(tap.openedAt);
    expect(tap.client.address).toBe(`127.0.0.1:${clientPort}`);
  });

  it("tells an upstream FIN from an upstream reset", async () => {
    for (const kind of ["fin", "rst"] as const) {
      await using upstream = await scripted("partial");
      await using run = await exchange(upstream);
      const { proxy, client } = run;
      // Closed only once the bytes were read: an RST that lands with unread data can read as EOF.
      await client.untilBytes(7);
      const socket = upstream.sockets[0]!;
      if (kind === "fin") socket.end();
      else socket.resetAndDestroy();
      await client.untilEnded();
      const tap = await tapWhen(proxy.name, bothEnded);
      expect(text(tap.toDownstream.sent)).toBe("partial");
      expect(tap.upstream.end).toMatchObject({ kind, by: "peer" });
      if (kind === "rst") expect(tap.upstream.end.detail).toBe("ECONNRESET");
      // Toxiproxy passes either on to the client as a close.
      expect(tap.client.end).toMatchObject({
        kind: "fin",
        by: "proxy",
        detail: "passed on the upstream side's end",
      });
    }
  });

  it("records a refused upstream", async () => {
    const gone = await startUpstream();
    const port = gone.port;
    await gone[Symbol.asyncDispose]();
    await using proxy = await createProxy(server.url, port);
    await using client = await RecordingClient.connect(proxy.port);
    await client.untilEnded();
    const tap = await tapWhen(proxy.name, bothEnded);
    expect(tap.upstream.end).toMatchObject({ kind: "refused", by: "peer", detail: "ECONNREFUSED" });
    expect(tap.upstream.connectedAt).toBeUndefined();
    expect(tap.client.end).toMatchObject({ kind: "fin", by: "proxy", detail: "upstream unreachable" });
  });

  it("keeps what was delivered apart once a toxic stands between, and names the toxic that closed", async () => {
    await using upstream = await scripted("0123456789");
    await using run = await exchange(upstream, { type: "limit_data", attributes: { bytes: 4 } });
    const { proxy, client } = run;
    await client.untilEnded();
    const tap = await tapWhen(proxy.name, (t) => t.client.end.kind !== "open");
    expect(text(tap.toDownstream.sent)).toBe("0123456789");
    expect(text(tap.toDownstream.delivered!)).toBe("0123");
    expect(client.received.toString()).toBe("0123");
    expect(tap.client.end).toMatchObject({ kind: "fin", by: "proxy", detail: "limit_data toxic" });
  });

  it("stamps delivered bytes when they left, after a latency toxic held them", async () => {
    await using upstream = await scripted("late");
    await using run = await exchange(upstream, { type: "latency", attributes: { latency: 150 } });
    const { proxy, client } = run;
    await client.untilBytes(4);
    const [tap] = await taps(proxy.name);
    const held = tap!.toDownstream.delivered!.firstAt! - tap!.toDownstream.sent.firstAt!;
    expect(held).toBeGreaterThanOrEqual(140);
    expect(held).toBeLessThan(1000);
    expect(tap!.client.end.kind).toBe("open");
  });

  it("records a timeout toxic's close and a reset_peer on both sides", async () => {
    await using upstream = await scripted("never seen");
    for (const [toxic, clientEnd] of [
      [
        { type: "timeout", attributes: { timeout: 50 } },
        { kind: "timeout", by: "proxy", detail: "timeout toxic" },
      ],
      [
        { type: "reset_peer", attributes: { timeout: 0 } },
        { kind: "rst", by: "proxy", detail: "reset_peer toxic" },
      ],
    ] as const) {
      await using run = await exchange(upstream, toxic);
      await run.client.untilEnded();
      const tap = await tapWhen(run.proxy.name, bothEnded);
      expect(tap.client.end).toMatchObject(clientEnd);
      if (toxic.type === "reset_peer") expect(tap.upstream.end).toMatchObject(clientEnd);
    }
  });

  it("truncates at the per-connection budget, keeps counting, and keeps the tail", async () => {
    const big = "x".repeat(100 * 1024);
    await using upstream = await scripted(`${big}THE END`, (s) => s.end());
    await using run = await exchange(upstream);
    await run.client.untilEnded();
    const tap = await tapWhen(run.proxy.name, bothEnded);
    const down = tap.toDownstream.sent;
    expect(down.bytes).toBe(big.length + 7);
    expect(down.truncatedAt).toBeDefined();
    expect(text(down).length).toBeLessThanOrEqual(64 * 1024);
    expect(down.tail!.toString().endsWith("THE END")).toBe(true);
  });

  it("reads from `since` on, and a clear forgets finished connections", async () => {
    await using proxy = await createProxy(server.url, echo.port);
    await using first = await RecordingClient.connect(proxy.port);
    first.socket.write("one");
    await first.untilBytes(3);
    const mark = now();
    first.socket.write("two");
    await first.untilBytes(6);
    const [later] = await taps(proxy.name, mark);
    expect(text(later!.toUpstream.sent)).toBe("two");
    expect(later!.toUpstream.sent.bytes).toBe(3);
    first.socket.end();
    await tapWhen(proxy.name, bothEnded);
    expect(await taps(proxy.name, now() + 1)).toEqual([]);
    expect((await api(server.url, "DELETE", `/proxies/${proxy.name}/taps`)).status).toBe(204);
    expect(await taps(proxy.name)).toEqual([]);
  });

  it("answers the extension's questions and errors in upstream's shape", async () => {
    const info = await api(server.url, "GET", "/taps");
    expect(info.json()).toEqual({ taps: true, maxBytesPerConnection: 65536, maxBytesPerProxy: 67108864 });
    await using proxy = await createProxy(server.url, echo.port);
    const bad = await api(server.url, "GET", `/proxies/${proxy.name}/taps?since=soon`);
    expect(bad.status).toBe(400);
    expect(bad.text).toBe(
      '{"error":"bad request: since must be a time in epoch milliseconds, got \\"soon\\"","status":400}\n',
    );
    expect((await api(server.url, "GET", "/proxies/nope/taps")).status).toBe(404);
    // The proxy's own JSON is untouched: clients that compare it byte for byte see upstream's shape.
    expect(Object.keys((await api(server.url, "GET", `/proxies/${proxy.name}`)).json() as object)).toEqual([
      "name",
      "listen",
      "upstream",
      "enabled",
      "Logger",
      "toxics",
    ]);
  });
});

describe("a server without taps", () => {
  it("records nothing and says so", async () => {
    await using plain = await startToxiproxyServer({ port: 0 });
    await using echo = await startUpstream();
    expect((await api(plain.url, "GET", "/taps")).json()).toEqual({ taps: false });
    await using proxy = await createProxy(plain.url, echo.port);
    const answer = await api(plain.url, "GET", `/proxies/${proxy.name}/taps`);
    expect(answer.status).toBe(409);
    expect(answer.json()).toEqual({
      error: "taps are off: start the server with taps (--taps)",
      status: 409,
    });
  });

  it("refuses a tap budget that is not a byte count", async () => {
    await expect(
      startToxiproxyServer({ port: 0, taps: { maxBytesPerConnection: -1 } }),
    ).rejects.toMatchObject({
      code: "TOXIPROXY_BAD_OPTION",
    });
  });
});
