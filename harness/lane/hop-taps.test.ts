import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedToxiproxyServer, startToxiproxyServer } from "../../proxies/toxiproxy/index.ts";
import type { ToxiproxyBox } from "../boxes/runtime.ts";
import { laneChain, whyNoTaps } from "./hop-taps.ts";

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

describe("laneChain: every link of the lane, client first", () => {
  const show = (chain: ReturnType<typeof laneChain>) =>
    chain.map((c) => `${c.hop} ${c.from}→${c.to} ${c.judge}`);

  it("incident 000: nginx, the frontend, its FastAPI backend behind the service link, the provider", () => {
    const chain = laneChain({
      edge: "nginx",
      backend: "frontend",
      links: [{ name: "backend", from: "frontend", to: "backend" }],
      providerCaller: "backend",
    });
    expect(show(chain)).toEqual([
      "A probe→nginx contract",
      "B nginx→frontend contract",
      "backend frontend→backend service",
      "C backend→provider provider",
    ]);
  });

  it("services after the box that calls them, whatever order they started in; a service nobody names last", () => {
    const chain = laneChain({
      edge: "caddy",
      backend: "backend",
      // Start order: the ones named first.
      links: [
        { name: "db", from: "api", to: "db" },
        { name: "api", from: "backend", to: "api" },
        { name: "spare", from: "(none)", to: "spare" },
      ],
      providerCaller: "backend+api",
    });
    expect(chain.map((c) => c.hop)).toEqual(["A", "B", "api", "db", "spare", "C"]);
    expect(chain.at(-1)).toMatchObject({ from: "backend+api", to: "provider" });
  });

  it("the direct edge: hop A and hop B both join the probe and the backend (no box between them)", () => {
    expect(show(laneChain({ edge: "direct", backend: "backend" }))).toEqual([
      "A probe→backend contract",
      "B probe→backend contract",
      "C backend→provider provider",
    ]);
  });
});
