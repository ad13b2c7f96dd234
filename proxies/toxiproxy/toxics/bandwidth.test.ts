import { describe, expect, it } from "vitest";
import { now } from "../../../lib/clock.ts";
import { proxyRig } from "../test-support.ts";

const PAYLOAD = Buffer.alloc(60_000, 7);

describe("bandwidth toxic", () => {
  it("limits throughput to rate KB/s (1 KB = 1000 bytes)", async () => {
    await using rig = await proxyRig((socket) => socket.once("data", () => socket.write(PAYLOAD)));
    // 60 KB at 100 KB/s: about 600 ms.
    await rig.addToxic({ type: "bandwidth", attributes: { rate: 100 } });
    const client = await rig.client();
    const start = now();
    client.socket.write("go");
    await client.untilBytes(PAYLOAD.length, 10_000);
    const elapsed = now() - start;
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(3000);
    expect(client.received.equals(PAYLOAD)).toBe(true);
  });

  it("limits the upstream direction too", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "bandwidth", stream: "upstream", attributes: { rate: 100 } });
    const client = await rig.client();
    const start = now();
    client.socket.write(PAYLOAD);
    await client.untilBytes(PAYLOAD.length, 10_000);
    expect(now() - start).toBeGreaterThanOrEqual(480);
  });

  // Below 0 upstream's goroutine panics (a negative slice bound) and takes the server down: held instead.
  it.each([0, -5])("holds all data at rate %i and releases it intact when removed", async (rate) => {
    await using rig = await proxyRig();
    await rig.addToxic({ name: "stall", type: "bandwidth", attributes: { rate } });
    const client = await rig.client();
    client.socket.write("stuck");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.received.length).toBe(0);
    await rig.removeToxic("stall");
    await client.untilBytes(5);
    expect(client.received.toString()).toBe("stuck");
  });
});
