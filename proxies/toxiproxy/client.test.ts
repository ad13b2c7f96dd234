import { Toxiproxy, ToxiproxyError } from "toxiproxy-node-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  RecordingClient,
  roundTrip,
  startUpstream,
  type ToxiproxyUnderTest,
  toxiproxyUnderTest,
  tryConnect,
  type Upstream,
  uniqueName,
} from "./test-support.ts";

// The harness drives Toxiproxy through this client, so every call it makes must work here.
let server: ToxiproxyUnderTest;
let upstream: Upstream;
let toxiproxy: Toxiproxy;

beforeAll(async () => {
  server = await toxiproxyUnderTest();
  upstream = await startUpstream();
  toxiproxy = new Toxiproxy(server.url);
});
afterAll(async () => {
  await upstream?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
});

const portOf = (listen: string) => Number(listen.slice(listen.lastIndexOf(":") + 1));

describe("toxiproxy-node-client against the server", () => {
  it("reads the version as raw text", async () => {
    expect(await toxiproxy.getVersion()).toMatch(/^\{"version": "2\.\d+\.\d+"\}\n$/);
  });

  it("creates, finds, lists, updates and removes a proxy", async () => {
    const name = uniqueName("client");
    const proxy = await toxiproxy.createProxy({
      name,
      listen: "127.0.0.1:0",
      upstream: `127.0.0.1:${upstream.port}`,
    });
    expect(proxy.name).toBe(name);
    expect(proxy.enabled).toBe(true);
    const port = portOf(proxy.listen);
    expect((await toxiproxy.get(name)).listen).toBe(proxy.listen);
    expect(Object.keys(await toxiproxy.getAll())).toContain(name);
    const down = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(down.enabled).toBe(false);
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
    await down.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    expect(await tryConnect(port)).toBe("connected");
    await proxy.remove();
    await expect(toxiproxy.get(name)).rejects.toThrow("Request failed with status code 404");
  });

  it("adds, reads, updates and removes a toxic that shapes live traffic", async () => {
    const name = uniqueName("client");
    const proxy = await toxiproxy.createProxy({
      name,
      listen: "127.0.0.1:0",
      upstream: `127.0.0.1:${upstream.port}`,
    });
    await using client = await RecordingClient.connect(portOf(proxy.listen));
    const toxic = await proxy.addToxic({
      name: "lag",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 2000, jitter: 0 },
    });
    expect(toxic.toJson()).toEqual({
      name: "lag",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 2000, jitter: 0 },
    });
    expect(await roundTrip(client, "slow")).toBeGreaterThanOrEqual(1990);
    const fetched = await proxy.getToxic<{ latency: number; jitter: number }>("lag");
    expect(fetched.attributes.latency).toBe(2000);
    const updated = await fetched.update({ ...fetched.toJson(), attributes: { latency: 0, jitter: 0 } });
    expect(updated.attributes.latency).toBe(0);
    expect(await roundTrip(client, "fast")).toBeLessThan(1500);
    await updated.remove();
    await expect(proxy.getToxic("lag")).rejects.toThrow("Request failed with status code 404");
    await proxy.remove();
  });

  it("populates and resets", async () => {
    const names = [uniqueName("pop"), uniqueName("pop")];
    const proxies = await toxiproxy.populate(
      names.map((name) => ({ name, listen: "127.0.0.1:0", upstream: `127.0.0.1:${upstream.port}` })),
    );
    expect(Object.keys(proxies).sort()).toEqual([...names].sort());
    const first = proxies[names[0]!]!;
    await first.addToxic({
      name: "t",
      type: "timeout",
      stream: "upstream",
      toxicity: 1,
      attributes: { timeout: 0 },
    });
    await first.update({ enabled: false, listen: first.listen, upstream: first.upstream });
    await toxiproxy.reset();
    const after = await toxiproxy.get(names[0]!);
    expect(after.enabled).toBe(true);
    await expect(after.getToxic("t")).rejects.toThrow("status code 404");
    for (const name of names) await (await toxiproxy.get(name)).remove();
  });

  it("surfaces errors as ToxiproxyError with the status (the body is dropped by the client)", async () => {
    const name = uniqueName("dup");
    const proxy = await toxiproxy.createProxy({
      name,
      listen: "127.0.0.1:0",
      upstream: `127.0.0.1:${upstream.port}`,
    });
    const error = await toxiproxy
      .createProxy({ name, listen: "127.0.0.1:0", upstream: `127.0.0.1:${upstream.port}` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToxiproxyError);
    expect((error as Error).message).toBe("Request failed with status code 409");
    await proxy.remove();
  });

  it("surfaces a rejected toxic by its status, and takes negative attributes and any toxicity as upstream does", async () => {
    const proxy = await toxiproxy.createProxy({
      name: uniqueName("toxic-errors"),
      listen: "127.0.0.1:0",
      upstream: `127.0.0.1:${upstream.port}`,
    });
    const toxic = {
      name: "t",
      type: "latency",
      stream: "downstream",
      toxicity: 1,
      attributes: { latency: 0 },
    };
    // Bodies the client's types would refuse: the server is what must say no.
    const status = (body: Record<string, unknown>) =>
      proxy.addToxic(body as unknown as Parameters<typeof proxy.addToxic>[0]).then(
        () => "added",
        (error: unknown) => (error instanceof ToxiproxyError ? error.message : String(error)),
      );
    expect(await status({ ...toxic, type: "explode" })).toBe("Request failed with status code 400");
    expect(await status({ ...toxic, stream: "sideways" })).toBe("Request failed with status code 400");
    expect(await status({ ...toxic, attributes: { latency: 1.5 } })).toBe(
      "Request failed with status code 400",
    );
    expect(await status({ ...toxic, toxicity: 7, attributes: { latency: -100, jitter: -1 } })).toBe("added");
    expect((await proxy.getToxic("t")).toJson()).toMatchObject({
      toxicity: 7,
      attributes: { latency: -100, jitter: -1 },
    });
    expect(await status(toxic)).toBe("Request failed with status code 409");
    await proxy.remove();
  });
});
