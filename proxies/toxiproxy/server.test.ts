import { createHook } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { startToxiproxyServer } from "./server.ts";
import { api, RecordingClient, startUpstream, tryConnect } from "./test-support.ts";

/** Sockets, servers and timers alive in this process, by kind. */
function liveResources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

// Embedded-server only: these check the handle's own lifecycle, which a real Toxiproxy does not have.
describe("startToxiproxyServer", () => {
  it("disposing closes the API, every listener and every live connection, leaving no socket or timer", async () => {
    await using upstream = await startUpstream();
    await settle();
    const before = liveResources();
    // The toxics' 10 s timers must be cleared by the dispose, not left to fire later. Node marks a
    // cleared or fired Timeout `_destroyed`; collect the long ones created during this test.
    const longTimers: Array<{ _destroyed?: boolean }> = [];
    const hook = createHook({
      init(_id, type, _trigger, resource) {
        const timer = resource as { _destroyed?: boolean; _idleTimeout?: number };
        if (type === "Timeout" && (timer._idleTimeout ?? 0) >= 5000) longTimers.push(timer);
      },
    }).enable();
    const server = await startToxiproxyServer({ port: 0 });
    // One proxy holds echoed data in a long latency, the other counts down a reset_peer.
    const toxicsByProxy = {
      held: [{ type: "latency", attributes: { latency: 10_000 } }],
      counting: [
        { type: "reset_peer", stream: "upstream", attributes: { timeout: 10_000 } },
        { type: "slow_close", attributes: { delay: 10_000 } },
      ],
    };
    const clients: RecordingClient[] = [];
    const ports: number[] = [];
    for (const [name, toxics] of Object.entries(toxicsByProxy)) {
      const created = await api(server.url, "POST", "/proxies", {
        name,
        listen: "127.0.0.1:0",
        upstream: `127.0.0.1:${upstream.port}`,
      });
      const port = Number(created.json<{ listen: string }>().listen.split(":")[1]);
      ports.push(port);
      for (const toxic of toxics) await api(server.url, "POST", `/proxies/${name}/toxics`, toxic);
      const client = await RecordingClient.connect(port);
      const accepted = upstream.nextSocket();
      client.socket.write("held in the toxics");
      await (await accepted).once("data", () => {});
      clients.push(client);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server[Symbol.asyncDispose]();
    for (const client of clients) {
      await client.untilEnded();
      expect(client.received.length).toBe(0);
      await client[Symbol.asyncDispose]();
    }
    for (const port of ports) expect(await tryConnect(port)).toBe("ECONNREFUSED");
    await expect(fetch(`${server.url}/version`)).rejects.toThrow();
    for (const socket of upstream.sockets) socket.destroy();
    await settle();
    hook.disable();
    expect(longTimers.length).toBeGreaterThan(0);
    expect(longTimers.filter((timer) => !timer._destroyed)).toHaveLength(0);
    const after = liveResources();
    for (const kind of ["TCPSocketWrap", "TCPServerWrap", "Timeout", "Immediate"]) {
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
    }
  });

  it("listens on port 0 when asked and reports the chosen port in its url", async () => {
    await using server = await startToxiproxyServer({ port: 0 });
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it("throws a UserError naming the address when the port is taken", async () => {
    await using first = await startToxiproxyServer({ port: 0 });
    await expect(startToxiproxyServer({ port: first.port })).rejects.toMatchObject({
      name: "UserError",
      code: "TOXIPROXY_LISTEN_FAILED",
      what: `Cannot start the Toxiproxy API: 127.0.0.1:${first.port} is already in use`,
      why: expect.stringContaining(`held by pid ${process.pid} (`),
    });
  });
});

describe("API robustness", () => {
  it("survives a client that resets in the middle of sending a body", async () => {
    const { connect } = await import("node:net");
    await using server = await startToxiproxyServer({ port: 0 });
    const socket = connect({ host: "127.0.0.1", port: server.port });
    await new Promise((resolve) => socket.once("connect", resolve));
    socket.write('POST /proxies HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"name":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await api(server.url, "GET", "/version")).status).toBe(200);
  });
});
