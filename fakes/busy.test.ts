import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { until } from "../lib/testing.ts";
import { startFakeProvider } from "./server.ts";
import { type RawRequest, rawRequest } from "./testing/raw-http.ts";

/** A fake that records every busy change it reports. */
async function watchedFake(script: unknown) {
  const changes: boolean[] = [];
  const fake = await startFakeProvider({ script, onBusyChange: (busy) => changes.push(busy) });
  return { fake, changes };
}

const chat = (origin: string, extra: Partial<RawRequest> = {}) =>
  rawRequest(origin, { path: "/v1/chat/completions", body: { model: "gpt-4o", stream: true }, ...extra });

describe("the fake reports when it goes busy and idle (onBusyChange)", () => {
  it("overlapping streams make one busy spell: true when the first arrives, false when the last ends", async () => {
    const { fake, changes } = await watchedFake({
      content: { tokens: ["a", "b", "c"] },
      pacing: { firstTokenMs: 20, intervalMs: 20 },
    });
    await using _ = fake;
    const responses = await Promise.all([chat(fake.url), chat(fake.url), chat(fake.url)]);
    expect(responses.map((r) => r.complete)).toEqual([true, true, true]);
    await until(() => changes.length === 2, 5_000, "the busy spell to end");
    expect(changes).toEqual([true, false]);
  });

  it("requests one after another make a spell each, admin requests included", async () => {
    const { fake, changes } = await watchedFake({});
    await using _ = fake;
    await chat(fake.url);
    await until(() => changes.length === 2, 5_000, "the first spell to end");
    expect((await fetch(`${fake.adminUrl}/__streamchaos/health`)).status).toBe(200);
    await until(() => changes.length === 4, 5_000, "the admin request's spell to end");
    expect(changes).toEqual([true, false, true, false]);
  });

  it("a client that leaves mid-stream still ends the spell", async () => {
    const { fake, changes } = await watchedFake({
      content: { tokens: Array(50).fill("x") },
      pacing: { firstTokenMs: 10, intervalMs: 50 },
    });
    await using _ = fake;
    const left = await chat(fake.url, { abortAfterBodyBytes: 1 });
    expect(left.complete).toBe(false);
    await until(() => changes.length === 2, 5_000, "the spell to end after the client left");
    expect(changes).toEqual([true, false]);
    expect(fake.journal()[0]?.outcome).toBe("client-closed");
  });

  it("a client that leaves before its body is in ends the spell, and nothing is journaled", async () => {
    const { fake, changes } = await watchedFake({ content: { tokens: ["a"] } });
    await using _ = fake;
    const { port } = new URL(fake.url);
    const socket = connect(Number(port), "127.0.0.1");
    await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
    // 10 of the 100 body bytes promised, then gone: the body never completes.
    socket.write(
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n" +
        '{"model":"',
    );
    await until(() => changes.length === 1, 5_000, "the spell to begin");
    socket.destroy();
    await until(() => changes.length === 2, 5_000, "the spell to end after the client left mid-body");
    expect(changes).toEqual([true, false]);
    expect(fake.journal()).toEqual([]);
    // The fake goes on serving.
    expect((await chat(fake.url)).complete).toBe(true);
  });

  it("an unrouted request is a spell too", async () => {
    const { fake, changes } = await watchedFake({});
    await using _ = fake;
    const r = await rawRequest(fake.url, { path: "/nowhere", body: {} });
    expect(r.status).toBe(404);
    await until(() => changes.length === 2, 5_000, "the spell to end");
    expect(changes).toEqual([true, false]);
  });
});

describe("a request target the fake cannot read", () => {
  it("gets a 400 that names it, ends its spell, and the fake goes on serving", async () => {
    const { fake, changes } = await watchedFake({ content: { tokens: ["a"] } });
    await using _ = fake;
    // Absolute forms node's parser lets through and no URL can be read from.
    for (const target of ["http://[x/", "http://:99999/"]) {
      const r = await rawRequest(fake.url, { method: "GET", path: target });
      expect([r.status, r.reason], target).toEqual([400, "Bad Request"]);
      expect(r.body.toString(), target).toContain(
        `the request target ${JSON.stringify(target).replaceAll('"', '\\"')} is not a URL path`,
      );
    }
    await until(() => changes.length === 4, 5_000, "both spells to end");
    expect(changes).toEqual([true, false, true, false]);
    expect(fake.journal()).toEqual([]);
    expect((await chat(fake.url)).complete).toBe(true);
  });
});
