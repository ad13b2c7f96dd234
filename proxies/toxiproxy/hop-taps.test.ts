import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { now } from "../../lib/clock.ts";
import { ToxiproxyHops } from "./hops.ts";
import { type StartedToxiproxyServer, startToxiproxyServer } from "./server.ts";
import type { TapBytes, TapConnection } from "./taps/tap-types.ts";
import {
  api,
  RecordingClient,
  startUpstream,
  tryConnect,
  type Upstream,
  uniqueName,
} from "./test-support.ts";

const text = (bytes: TapBytes) => Buffer.concat(bytes.segments.map((s) => s.bytes)).toString();
const RESPONSE = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello";

let tapping: StartedToxiproxyServer;
/** The embedded server with its taps off: it stands in for a real Toxiproxy, which has none. */
let plain: StartedToxiproxyServer;
let upstream: Upstream;
beforeAll(async () => {
  tapping = await startToxiproxyServer({ port: 0, taps: true });
  plain = await startToxiproxyServer({ port: 0 });
  // Answers the first read with a whole response, then closes.
  upstream = await startUpstream((socket) => socket.once("data", () => socket.end(RESPONSE)));
});
afterAll(async () => {
  await upstream?.[Symbol.asyncDispose]();
  await plain?.[Symbol.asyncDispose]();
  await tapping?.[Symbol.asyncDispose]();
});

async function exchange(port: number): Promise<RecordingClient> {
  const client = await RecordingClient.connect(port);
  client.socket.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
  await client.untilEnded();
  return client;
}

async function settled(hops: ToxiproxyHops, hop: string): Promise<TapConnection> {
  const deadline = now() + 5000;
  for (;;) {
    const [tap] = await hops.taps(hop);
    if (tap && tap.client.end.kind !== "open" && tap.upstream.end.kind !== "open") return tap;
    if (now() > deadline) throw new Error(`hop ${hop} never settled: ${JSON.stringify(tap)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe("hop taps through ToxiproxyHops", () => {
  it("reads the embedded server's own taps when it records", async () => {
    await using hops = new ToxiproxyHops(tapping.url, { taps: true });
    const hop = await hops.createHop({ name: uniqueName("tapped"), upstream: `127.0.0.1:${upstream.port}` });
    expect((await api(tapping.url, "GET", `/proxies/${hop.name}`)).json()).toMatchObject({
      upstream: `127.0.0.1:${upstream.port}`,
    });
    await using client = await exchange(hop.port);
    expect(client.received.toString()).toBe(RESPONSE);
    const tap = await settled(hops, hop.name);
    expect(tap.tap).toBe("proxy");
    expect(text(tap.toDownstream.sent)).toBe(RESPONSE);
    expect(tap.upstream.end).toMatchObject({ kind: "fin", by: "peer" });
  });

  it("puts a recording relay behind a Toxiproxy that does not record, with the same records", async () => {
    await using hops = new ToxiproxyHops(plain.url, { taps: true });
    const hop = await hops.createHop({ name: uniqueName("relayed"), upstream: `127.0.0.1:${upstream.port}` });
    // The hop still says where it goes; Toxiproxy itself sends to the relay.
    expect(hop.upstream).toBe(`127.0.0.1:${upstream.port}`);
    const proxied = (await api(plain.url, "GET", `/proxies/${hop.name}`)).json<{ upstream: string }>();
    expect(proxied.upstream).not.toBe(hop.upstream);
    await using client = await exchange(hop.port);
    expect(client.received.toString()).toBe(RESPONSE);
    const tap = await settled(hops, hop.name);
    expect(tap.tap).toBe("relay");
    expect(text(tap.toUpstream.sent)).toBe("GET / HTTP/1.1\r\nhost: x\r\n\r\n");
    expect(text(tap.toDownstream.sent)).toBe(RESPONSE);
    expect(tap.upstream.end).toMatchObject({ kind: "fin", by: "peer" });
    expect(tap.upstream.address).toBe(hop.upstream);
  });

  it("behind a toxic, the relay still sees everything the upstream sent", async () => {
    await using hops = new ToxiproxyHops(plain.url, { taps: true });
    const hop = await hops.createHop({ name: uniqueName("limited"), upstream: `127.0.0.1:${upstream.port}` });
    await hops.setToxics(hop.name, [{ type: "limit_data", attributes: { bytes: 10 } }]);
    await using client = await exchange(hop.port);
    expect(client.received.length).toBe(10);
    const tap = await settled(hops, hop.name);
    expect(text(tap.toDownstream.sent)).toBe(RESPONSE);
  });

  it("clears, reads from a time on, and takes the relay down with the hop", async () => {
    await using hops = new ToxiproxyHops(plain.url, { taps: true });
    const hop = await hops.createHop({ name: uniqueName("cleared"), upstream: `127.0.0.1:${upstream.port}` });
    await using _client = await exchange(hop.port);
    await settled(hops, hop.name);
    expect(await hops.taps(hop.name, { since: now() + 1 })).toEqual([]);
    await hops.clearTaps(hop.name);
    expect(await hops.taps(hop.name)).toEqual([]);
    const relayPort = Number(
      (await api(plain.url, "GET", `/proxies/${hop.name}`))
        .json<{ upstream: string }>()
        .upstream.split(":")[1],
    );
    await hops.removeHop(hop.name);
    expect(await tryConnect(relayPort)).toBe("ECONNREFUSED");
  });

  it("without taps in its options, asking for them is an error with a code", async () => {
    await using hops = new ToxiproxyHops(tapping.url);
    const hop = await hops.createHop({
      name: uniqueName("untapped"),
      upstream: `127.0.0.1:${upstream.port}`,
    });
    await expect(hops.taps(hop.name)).rejects.toMatchObject({ code: "TOXIPROXY_TAPS_OFF" });
  });
});
