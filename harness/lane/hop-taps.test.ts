import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedToxiproxyServer, startToxiproxyServer } from "../../proxies/toxiproxy/index.ts";
import type { ToxiproxyBox } from "../boxes/runtime.ts";
import { whyNoTaps } from "./hop-taps.ts";

let recording: StartedToxiproxyServer;
let plain: StartedToxiproxyServer;
beforeAll(async () => {
  recording = await startToxiproxyServer({ port: 0, taps: true });
  plain = await startToxiproxyServer({ port: 0 });
});
afterAll(async () => {
  await recording?.[Symbol.asyncDispose]();
  await plain?.[Symbol.asyncDispose]();
});

const box = (server: StartedToxiproxyServer, tapsOnlyInServer?: true): ToxiproxyBox =>
  ({
    name: "toxiproxy",
    apiUrl: server.url,
    hopSlots: [],
    address: { internal: { host: "127.0.0.1", port: 0 }, external: { host: "127.0.0.1", port: 0 } },
    logs: () => [],
    ...(tapsOnlyInServer ? { tapsOnlyInServer } : {}),
    async [Symbol.asyncDispose]() {},
  }) as unknown as ToxiproxyBox;

describe("whyNoTaps", () => {
  it("a server that records, or one a relay can stand beside, taps the hops", async () => {
    expect(await whyNoTaps(box(recording, true), "docker")).toBeUndefined();
    expect(await whyNoTaps(box(plain), "local")).toBeUndefined();
  });

  it("a container Toxiproxy that records nothing (the official image): results will say why", async () => {
    expect(await whyNoTaps(box(plain, true), "docker")).toBe(
      "the Toxiproxy of the docker runtime (toxiproxy) records no taps, and a recording relay in this process cannot stand between its boxes",
    );
  });
});
