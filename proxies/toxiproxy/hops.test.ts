import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { resolveToxiproxy, ToxiproxyHops } from "./hops.ts";
import {
  api,
  RecordingClient,
  roundTrip,
  startUpstream,
  type ToxiproxyUnderTest,
  toxiproxyUnderTest,
  tryConnect,
  type Upstream,
  uniqueName,
} from "./test-support.ts";

let server: ToxiproxyUnderTest;
let upstream: Upstream;

beforeAll(async () => {
  server = await toxiproxyUnderTest();
  upstream = await startUpstream();
});
afterAll(async () => {
  await upstream?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
});

describe("ToxiproxyHops", () => {
  it("creates a hop on loopback and reports where to connect", async () => {
    await using hops = new ToxiproxyHops(server.url);
    const hop = await hops.createHop({ name: uniqueName("hopA"), upstream: `127.0.0.1:${upstream.port}` });
    expect(hop.host).toBe("127.0.0.1");
    expect(hop.listen).toBe(`127.0.0.1:${hop.port}`);
    await using client = await RecordingClient.connect(hop.port);
    expect(await roundTrip(client, "through")).toBeLessThan(2000);
  });

  it("replaces a leftover proxy of the same name instead of failing", async () => {
    const name = uniqueName("stale");
    await api(server.url, "POST", "/proxies", { name, listen: "127.0.0.1:0", upstream: "127.0.0.1:9" });
    await using hops = new ToxiproxyHops(server.url);
    const hop = await hops.createHop({ name, upstream: `127.0.0.1:${upstream.port}` });
    expect(hop.upstream).toBe(`127.0.0.1:${upstream.port}`);
  });

  it("a hop on a fixed port someone holds is a user error naming the port and its holder", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await using hops = new ToxiproxyHops(server.url);
      const name = uniqueName("fixed");
      const error = await hops
        .createHop({ name, upstream: `127.0.0.1:${upstream.port}`, listen: `127.0.0.1:${port}` })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe("PORT_IN_USE");
      expect((error as UserError).what).toBe(
        `Toxiproxy cannot listen for hop "${name}": 127.0.0.1:${port} is already in use`,
      );
      expect((error as UserError).why).toContain(`held by pid ${process.pid} (`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("sets a list of toxics (replacing the previous ones), clears them, and toggles the hop", async () => {
    await using hops = new ToxiproxyHops(server.url);
    const hop = await hops.createHop({ name: uniqueName("hopB"), upstream: `127.0.0.1:${upstream.port}` });
    await hops.setToxics(hop.name, [{ type: "latency", attributes: { latency: 200 } }]);
    await hops.setToxics(hop.name, [
      { type: "latency", attributes: { latency: 300 } },
      { type: "slicer", stream: "upstream", attributes: { average_size: 1, size_variation: 0, delay: 0 } },
    ]);
    const listed = (await api(server.url, "GET", `/proxies/${hop.name}/toxics`)).json<
      Array<{ name: string }>
    >();
    expect(listed.map((t) => t.name)).toEqual(["slicer_upstream", "latency_downstream"]);
    await using client = await RecordingClient.connect(hop.port);
    expect(await roundTrip(client, "x")).toBeGreaterThanOrEqual(290);
    await hops.setEnabled(hop.name, false);
    expect(await tryConnect(hop.port)).toBe("ECONNREFUSED");
    await hops.clearAll();
    expect((await api(server.url, "GET", `/proxies/${hop.name}/toxics`)).text).toBe("[]");
    expect(await tryConnect(hop.port)).toBe("connected");
  });

  it("clearAll clears every hop, and one it cannot clear does not leave the others poisoned", async () => {
    await using hops = new ToxiproxyHops(server.url);
    const names = ["hopP", "hopQ", "hopR"].map(uniqueName);
    for (const name of names) {
      await hops.createHop({ name, upstream: `127.0.0.1:${upstream.port}` });
      await hops.setToxics(name, [{ type: "latency", attributes: { latency: 100 } }]);
    }
    await hops.setEnabled(names[2]!, false);
    // A hop removed behind the driver's back: clearing it fails, the others are still cleared.
    await api(server.url, "DELETE", `/proxies/${names[0]}`);
    const error = await hops.clearAll().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamchaosError);
    expect((error as StreamchaosError).message).toContain(names[0]);
    for (const name of names.slice(1)) {
      expect((await api(server.url, "GET", `/proxies/${name}/toxics`)).text).toBe("[]");
      expect((await api(server.url, "GET", `/proxies/${name}`)).json<{ enabled: boolean }>().enabled).toBe(
        true,
      );
    }
  });

  it("removes hops, and disposing removes the rest", async () => {
    const hops = new ToxiproxyHops(server.url);
    const a = await hops.createHop({ name: uniqueName("hopC"), upstream: `127.0.0.1:${upstream.port}` });
    const b = await hops.createHop({ name: uniqueName("hopD"), upstream: `127.0.0.1:${upstream.port}` });
    await hops.removeHop(a.name);
    expect((await api(server.url, "GET", `/proxies/${a.name}`)).status).toBe(404);
    await hops[Symbol.asyncDispose]();
    expect((await api(server.url, "GET", `/proxies/${b.name}`)).status).toBe(404);
  });

  it("rejects a hop name the client cannot put in a URL", async () => {
    await using hops = new ToxiproxyHops(server.url);
    await expect(hops.createHop({ name: "a/b", upstream: "127.0.0.1:1" })).rejects.toBeInstanceOf(UserError);
  });

  it("reports a failed call with what it tried and the status", async () => {
    await using hops = new ToxiproxyHops(server.url);
    const hop = await hops.createHop({ name: uniqueName("hopE"), upstream: `127.0.0.1:${upstream.port}` });
    const error = await hops
      .setToxics(hop.name, [{ type: "latency", stream: "sideways" as "upstream" }])
      .catch((e) => e);
    expect(error).toBeInstanceOf(StreamchaosError);
    expect(error.code).toBe("TOXIPROXY_REQUEST_FAILED");
    expect(error.message).toContain("status code 400");
  });

  it("reports an unreachable server as TOXIPROXY_UNREACHABLE", async () => {
    await using hops = new ToxiproxyHops("http://127.0.0.1:1");
    const error = await hops.createHop({ name: "x", upstream: "127.0.0.1:2" }).catch((e) => e);
    expect(error.code).toBe("TOXIPROXY_UNREACHABLE");
  });
});

describe("resolveToxiproxy", () => {
  it("starts the embedded server when TOXIPROXY_URL is not set", async () => {
    await using resolved = await resolveToxiproxy({});
    expect(resolved.source).toBe("embedded");
    expect(resolved.warning).toBeUndefined();
    expect((await api(resolved.url, "GET", "/version")).status).toBe(200);
  });

  it("uses TOXIPROXY_URL when it answers", async () => {
    await using resolved = await resolveToxiproxy({ TOXIPROXY_URL: `${server.url}/` });
    expect(resolved.source).toBe("external");
    expect(resolved.url).toBe(server.url);
  });

  it("falls back to the embedded server, with a warning, when TOXIPROXY_URL does not answer", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, "127.0.0.1", resolve));
    const port = (dead.address() as { port: number }).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    await using resolved = await resolveToxiproxy({ TOXIPROXY_URL: `http://127.0.0.1:${port}` });
    expect(resolved.source).toBe("embedded");
    expect(resolved.warning).toContain(`TOXIPROXY_URL=http://127.0.0.1:${port}`);
    expect(resolved.url).not.toContain(String(port));
  });
});
