import { UserError } from "../../lib/errors.ts";
import { hostPort } from "../../lib/net.ts";
import type { EdgeDefinition, EdgeProfile, StartedEdge } from "../edge.ts";

const none: EdgeProfile = {
  name: "default",
  description: "no proxy: the probe talks to the upstream (usually the hop A toxiproxy) directly",
  template: "",
};

/** The baseline: what the SUT sends, with nothing in between. Nothing to start, nothing to log. */
export const directEdge: EdgeDefinition = {
  name: "direct",
  profiles: { [none.name]: none },
  defaultProfile: none.name,
  available: async () => ({ ok: true, version: "n/a" }),
  async start({ upstream, tls }): Promise<StartedEdge> {
    if (tls) {
      throw new UserError("EDGE_NO_TLS", {
        what: "The direct edge cannot serve TLS",
        why: "direct is the backend itself, and the h2 and browser clients reach an edge over TLS with HTTP/2",
        fix: "Run the h2 and browser clients through nginx or caddy; direct keeps the h1 client.",
      });
    }
    return {
      name: "direct",
      profile: none.name,
      url: `http://${hostPort(upstream.host, upstream.port)}`,
      host: upstream.host,
      port: upstream.port,
      logs: () => [],
      logsSince: () => [],
      alive: () => true,
      async [Symbol.asyncDispose]() {},
    };
  },
};
