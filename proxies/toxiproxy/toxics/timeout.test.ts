import { describe, expect, it } from "vitest";
import { now } from "../../../lib/clock.ts";
import { proxyRig, recordSocket } from "../test-support.ts";

describe("timeout toxic", () => {
  it("drops all data and closes the connection after `timeout` ms", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ type: "timeout", attributes: { timeout: 400 } });
    const client = await rig.client();
    const server = recordSocket(await rig.upstream.nextSocket());
    const start = now();
    client.socket.write("lost");
    await client.untilEnded();
    expect(client.ending).toBe("end");
    expect(client.endedAt! - start).toBeGreaterThanOrEqual(380);
    expect(client.endedAt! - start).toBeLessThan(3000);
    expect(client.received.length).toBe(0);
    expect(["end", "close"]).toContain(await server.ended);
  });

  it("with 0 holds the connection open and drops data until removed, and removing closes it", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ name: "hang", type: "timeout", stream: "upstream", attributes: { timeout: 0 } });
    const client = await rig.client();
    const server = recordSocket(await rig.upstream.nextSocket());
    client.socket.write("dropped");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client.ending).toBeUndefined();
    expect(server.data().length).toBe(0);
    await rig.removeToxic("hang");
    await client.untilEnded();
    expect(client.ending).toBe("end");
    expect(server.data().length).toBe(0);
  });
});
