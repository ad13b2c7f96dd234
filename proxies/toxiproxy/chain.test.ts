import { describe, expect, it } from "vitest";
import { now } from "../../lib/clock.ts";
import { api, proxyRig, RecordingClient, recordSocket, roundTrip, tryConnect } from "./test-support.ts";

/** 1.5 MB of a pattern that makes any loss, duplication or reordering visible. */
const STREAM = Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

describe("toxic chain on live connections", () => {
  it("loses, duplicates and reorders nothing while toxics come and go mid-stream", async () => {
    await using rig = await proxyRig((socket) => {
      socket.once("data", async () => {
        // Trickle the stream so the changes below land while it flows.
        for (let offset = 0; offset < STREAM.length; offset += 15_000) {
          if (!socket.write(STREAM.subarray(offset, offset + 15_000))) {
            await new Promise((resolve) => socket.once("drain", resolve));
          }
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
        socket.end();
      });
    });
    const client = await rig.client();
    client.socket.write("go");
    const step = () => new Promise((resolve) => setTimeout(resolve, 40));
    await rig.addToxic({ name: "lat", type: "latency", attributes: { latency: 20 } });
    await step();
    await rig.addToxic({
      name: "slice",
      type: "slicer",
      attributes: { average_size: 3000, size_variation: 1000 },
    });
    await step();
    await rig.addToxic({ name: "bw", type: "bandwidth", attributes: { rate: 20_000 } });
    await step();
    await rig.updateToxic("lat", { attributes: { latency: 5 } });
    await step();
    await rig.removeToxic("slice");
    await step();
    await rig.removeToxic("lat");
    await rig.addToxic({ name: "noop", type: "noop" });
    await step();
    const receivedBeforeLastChange = client.received.length;
    await rig.removeToxic("bw");
    await rig.removeToxic("noop");
    await client.untilEnded(20_000);
    expect(client.ending).toBe("end");
    // The changes really happened mid-stream, not after it.
    expect(receivedBeforeLastChange).toBeGreaterThan(0);
    expect(receivedBeforeLastChange).toBeLessThan(STREAM.length);
    expect(client.received.length).toBe(STREAM.length);
    expect(client.received.equals(STREAM)).toBe(true);
  });

  it("applies toxics in the order added (two latencies add up)", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ name: "a", type: "latency", attributes: { latency: 150 } });
    await rig.addToxic({ name: "b", type: "latency", attributes: { latency: 150 } });
    const client = await rig.client();
    expect(await roundTrip(client, "x")).toBeGreaterThanOrEqual(290);
    await rig.removeToxic("a");
    const one = await roundTrip(client, "y");
    expect(one).toBeGreaterThanOrEqual(140);
    expect(one).toBeLessThan(290 + 500);
  });

  it("decides toxicity once per connection: some connections are hit, others spared", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "latency", toxicity: 0.5, attributes: { latency: 1500 } });
    const clients = await Promise.all(
      Array.from({ length: 30 }, () => RecordingClient.connect(rig.proxy.port)),
    );
    try {
      const first = await Promise.all(clients.map((client) => roundTrip(client, "a")));
      const second = await Promise.all(clients.map((client) => roundTrip(client, "b")));
      const slow = first.map((ms) => ms >= 1490);
      expect(slow.some(Boolean)).toBe(true);
      expect(slow.some((s) => !s)).toBe(true);
      // The same connection gets the same verdict on its next message.
      for (const [i, ms] of second.entries()) expect(ms >= 1490, `connection ${i}`).toBe(slow[i]);
    } finally {
      for (const client of clients) await client[Symbol.asyncDispose]();
    }
  });

  it("new connections pick up the toxics already on the proxy", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "latency", attributes: { latency: 300 } });
    const client = await rig.client();
    expect(await roundTrip(client, "x")).toBeGreaterThanOrEqual(290);
  });
});

describe("down (enabled:false)", () => {
  it("closes live connections, refuses new ones, and comes back when re-enabled", async () => {
    await using rig = await proxyRig();
    const client = await rig.client();
    const server = recordSocket(await rig.upstream.nextSocket());
    expect(await roundTrip(client, "up")).toBeLessThan(2000);
    const start = now();
    await api(rig.base, "PATCH", `/proxies/${rig.proxy.name}`, { enabled: false });
    await client.untilEnded();
    expect(client.endedAt! - start).toBeLessThan(3000);
    expect(["end", "close"]).toContain(await server.ended);
    expect(await tryConnect(rig.proxy.port)).toBe("ECONNREFUSED");
    await api(rig.base, "PATCH", `/proxies/${rig.proxy.name}`, { enabled: true });
    const again = await rig.client();
    expect(await roundTrip(again, "back")).toBeLessThan(2000);
  });

  it("closes the client when the upstream refuses", async () => {
    await using rig = await proxyRig();
    await api(rig.base, "PATCH", `/proxies/${rig.proxy.name}`, { upstream: "127.0.0.1:1" });
    const client = await rig.client();
    await client.untilEnded();
    expect(["end", "reset"]).toContain(client.ending);
  });
});
