import { describe, expect, it } from "vitest";
import { now } from "../../../lib/clock.ts";
import { proxyRig } from "../test-support.ts";

describe("slow_close toxic", () => {
  it("passes data at once but delays the close by `delay` ms", async () => {
    await using rig = await proxyRig((socket) => socket.once("data", () => socket.end("bye")));
    await rig.addToxic({ type: "slow_close", attributes: { delay: 1500 } });
    const client = await rig.client();
    const start = now();
    client.socket.write("hi");
    await client.untilBytes(3);
    expect(now() - start).toBeLessThan(1000);
    await client.untilEnded();
    expect(client.ending).toBe("end");
    expect(client.endedAt! - start).toBeGreaterThanOrEqual(1480);
    expect(client.received.toString()).toBe("bye");
  });

  it("closes promptly without the toxic (the control)", async () => {
    await using rig = await proxyRig((socket) => socket.once("data", () => socket.end("bye")));
    const client = await rig.client();
    const start = now();
    client.socket.write("hi");
    await client.untilEnded();
    expect(client.endedAt! - start).toBeLessThan(1000);
  });
});
