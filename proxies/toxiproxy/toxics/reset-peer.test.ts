import { describe, expect, it } from "vitest";
import { now } from "../../../lib/clock.ts";
import { proxyRig, recordSocket } from "../test-support.ts";

describe("reset_peer toxic", () => {
  it("resets the client connection (ECONNRESET) as soon as data reaches it", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "reset_peer", attributes: { timeout: 0 } });
    const client = await rig.client();
    const server = recordSocket(await rig.upstream.nextSocket());
    client.socket.write("hello");
    await client.untilEnded();
    expect(client.ending).toBe("reset");
    expect(client.received.length).toBe(0);
    expect(await server.ended).toBe("reset");
  });

  it("resets `timeout` ms after the first data", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "reset_peer", stream: "upstream", attributes: { timeout: 400 } });
    const client = await rig.client();
    const start = now();
    client.socket.write("hello");
    await client.untilEnded();
    expect(client.ending).toBe("reset");
    expect(client.endedAt! - start).toBeGreaterThanOrEqual(380);
    expect(client.endedAt! - start).toBeLessThan(3000);
  });

  it("leaves an idle connection alone", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "reset_peer", attributes: { timeout: 0 } });
    const client = await rig.client();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.ending).toBeUndefined();
  });
});
