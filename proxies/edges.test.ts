import { describe, expect, it } from "vitest";
import type { StreamchaosError } from "../lib/errors.ts";
import { resolveProfile } from "./edge.ts";
import { edges, getEdge } from "./edges.ts";
import { rawGet } from "./testing/raw-get.ts";
import { startSseUpstream } from "./testing/sse-upstream.ts";

describe("edge registry", () => {
  it("has direct, nginx and caddy, each with a registered default profile", () => {
    expect(Object.keys(edges).sort()).toEqual(["caddy", "direct", "nginx"]);
    for (const edge of Object.values(edges)) {
      expect(edge.profiles[edge.defaultProfile]).toBeDefined();
      for (const [name, profile] of Object.entries(edge.profiles)) expect(profile.name).toBe(name);
    }
    expect(Object.keys(edges.nginx!.profiles)).toEqual(
      expect.arrayContaining(["default", "sse-tuned", "short-timeouts"]),
    );
    expect(Object.keys(edges.caddy!.profiles)).toEqual(["default", "sse-tuned", "short-timeouts"]);
  });

  it("names the known edges for an unknown one", () => {
    let error: unknown;
    try {
      getEdge("haproxy");
    } catch (e) {
      error = e;
    }
    expect((error as StreamchaosError).code).toBe("EDGE_UNKNOWN");
    expect((error as StreamchaosError).message).toContain("direct, nginx, caddy");
  });

  it("names the known profiles for an unknown one", () => {
    expect(() => resolveProfile(edges.caddy!, "fast")).toThrow(/default, sse-tuned, short-timeouts/);
  });
});

describe("direct edge", () => {
  it("is the upstream itself, as a StartedEdge", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await getEdge("direct").start({ upstream });
    expect(edge.url).toBe(`http://127.0.0.1:${upstream.port}`);
    expect(edge.logs()).toEqual([]);
    const r = await rawGet(edge.url, "/sse?events=3&interval=200");
    expect(r.firstBodyAt! - r.sentAt).toBeLessThan(300);
    expect(r.terminatorSeen).toBe(true);
  });
});
