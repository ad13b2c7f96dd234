import { describe, expect, it } from "vitest";
import { proxyRig, recordSocket } from "../test-support.ts";

describe("limit_data toxic", () => {
  it("lets exactly `bytes` bytes through upstream, then closes the connection", async () => {
    await using rig = await proxyRig((socket) => socket.resume());
    await rig.addToxic({ type: "limit_data", stream: "upstream", attributes: { bytes: 100 } });
    const client = await rig.client();
    const server = recordSocket(await rig.upstream.nextSocket());
    client.socket.write(Buffer.alloc(1000, 1));
    expect(await server.ended).toBe("end");
    expect(server.data().length).toBe(100);
    await client.untilEnded();
    expect(client.ending).toBe("end");
  });

  it("cuts a downstream response after `bytes` bytes", async () => {
    await using rig = await proxyRig((socket) =>
      socket.once("data", () => socket.write(Buffer.alloc(5000, 2))),
    );
    await rig.addToxic({ type: "limit_data", attributes: { bytes: 1234 } });
    const client = await rig.client();
    client.socket.write("go");
    await client.untilEnded();
    expect(client.ending).toBe("end");
    expect(client.received.length).toBe(1234);
  });

  it("keeps counting across an update of the limit", async () => {
    await using rig = await proxyRig();
    await rig.addToxic({ name: "cap", type: "limit_data", attributes: { bytes: 10 } });
    const client = await rig.client();
    client.socket.write("123456");
    await client.untilBytes(6);
    await rig.updateToxic("cap", { attributes: { bytes: 8 } });
    client.socket.write("7890");
    await client.untilEnded();
    expect(client.received.toString()).toBe("12345678");
  });
});
