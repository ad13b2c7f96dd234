import { describe, expect, it } from "vitest";
import { proxyRig, roundTrip } from "../test-support.ts";

// Timing bounds are loose on the high side: the machine is shared and busy.
describe("latency toxic", () => {
  it("delays data server-to-client by the latency (downstream)", async () => {
    await using rig = await proxyRig();
    const client = await rig.client();
    expect(await roundTrip(client, "warm")).toBeLessThan(1000);
    await rig.addToxic({ type: "latency", attributes: { latency: 300 } });
    const elapsed = await roundTrip(client, "ping");
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(client.received.toString()).toBe("warmping");
  });

  it("delays data client-to-server (upstream)", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "latency", stream: "upstream", attributes: { latency: 300 } });
    const client = await rig.client();
    const elapsed = await roundTrip(client, "ping");
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it("adds jitter within latency ± jitter", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "latency", attributes: { latency: 200, jitter: 100 } });
    const client = await rig.client();
    for (let i = 0; i < 5; i++) {
      const elapsed = await roundTrip(client, `j${i}`);
      expect(elapsed).toBeGreaterThanOrEqual(95);
      expect(elapsed).toBeLessThan(1300);
    }
  });

  it("lets a held chunk go at once when the latency is lowered on the live connection", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ name: "slow", type: "latency", attributes: { latency: 3000 } });
    const client = await rig.client();
    const trip = roundTrip(client, "held");
    await new Promise((resolve) => setTimeout(resolve, 150));
    await rig.updateToxic("slow", { attributes: { latency: 0 } });
    expect(await trip).toBeLessThan(2000);
    expect(client.received.toString()).toBe("held");
  });

  it("delivers everything in flight, in order, when removed mid-stream", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ name: "slow", type: "latency", attributes: { latency: 400 } });
    const client = await rig.client();
    const sent: string[] = [];
    for (let i = 0; i < 50; i++) {
      sent.push(`<${i}>`);
      client.socket.write(`<${i}>`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await rig.removeToxic("slow");
    await client.untilBytes(sent.join("").length);
    expect(client.received.toString()).toBe(sent.join(""));
    expect(await roundTrip(client, "fast")).toBeLessThan(1000);
  });

  it("spares the connection when toxicity is 0", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "latency", toxicity: 0, attributes: { latency: 3000 } });
    const client = await rig.client();
    expect(await roundTrip(client, "ping")).toBeLessThan(2000);
  });
});
