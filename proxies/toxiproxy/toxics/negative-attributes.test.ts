import { describe, expect, it } from "vitest";
import { now } from "../../../lib/clock.ts";
import { proxyRig } from "../test-support.ts";

// The API takes negative attributes, as Toxiproxy 2.12 does (every attribute is a signed Go integer).
// What each toxic then does follows upstream's code, except where upstream's goroutine panics and
// takes the whole server down (slicer sizes below 0; bandwidth below 0, in bandwidth.test.ts): there
// the proxy keeps going.
describe("negative attributes", () => {
  it("latency, slow_close and slicer below zero pass data at once and intact", async () => {
    for (const toxic of [
      { type: "latency", attributes: { latency: -1000, jitter: -5 } },
      { type: "slow_close", attributes: { delay: -5 } },
      { type: "slicer", attributes: { average_size: -5, size_variation: -5, delay: -5 } },
    ]) {
      await using rig = await proxyRig();
      await rig.addToxic(toxic);
      const client = await rig.client();
      const start = now();
      client.socket.write("hello, negative");
      await client.untilBytes(15);
      expect(client.received.toString()).toBe("hello, negative");
      expect(now() - start).toBeLessThan(1000);
    }
  });

  it("limit_data below zero closes at the first data and lets none through", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "limit_data", attributes: { bytes: -5 } });
    const client = await rig.client();
    client.socket.write("nothing of this");
    await client.untilEnded();
    expect(client.received.length).toBe(0);
  });
});
