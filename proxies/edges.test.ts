import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StreamchaosError, UserError } from "../lib/errors.ts";
import { makeTempDir } from "../lib/tempdir.ts";
import { type EdgeDefinition, renderEdgeConfig, resolveProfile, type UserConfigRules } from "./edge.ts";
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

describe("edge configs with TLS", () => {
  const rules: UserConfigRules = {
    placeholderExample: "`listen {{port}};`",
    tlsPlaceholderExample: "`listen {{tls.port}} ssl http2;` ...",
  };
  const upstream = { host: "127.0.0.1", port: 9000 };
  const tls = { port: 8443, cert: "/run/ca/leaf.pem", key: "/run/ca/leaf.key" };
  const vars = { host: "127.0.0.1", port: 8080 };

  async function userFile(text: string): Promise<{ path: string } & AsyncDisposable> {
    const dir = await makeTempDir("edge-conf");
    const path = join(dir.path, "edge.conf");
    await writeFile(path, text);
    return { path, [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose]() };
  }

  async function rejection(promise: Promise<unknown>): Promise<StreamchaosError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(error instanceof StreamchaosError)) throw new Error(`expected a StreamchaosError, got ${error}`);
    return error;
  }

  it("every nginx and caddy profile has a TLS + HTTP/2 variant on {{tls.port}} beside {{port}}", async () => {
    for (const name of ["nginx", "caddy"]) {
      for (const profile of Object.values(edges[name]!.profiles)) {
        const rendered = await renderEdgeConfig(
          edges[name]!,
          { upstream, profile: profile.name },
          { ...vars, tls },
          rules,
        );
        expect(rendered.text).toContain(":8080");
        expect(rendered.text).toContain(":8443");
        expect(rendered.text).toContain("/run/ca/leaf.pem");
        expect(rendered.text).toContain("/run/ca/leaf.key");
        const plain = await renderEdgeConfig(edges[name]!, { upstream, profile: profile.name }, vars, rules);
        expect(plain.text).not.toContain("8443");
      }
    }
    const nginx = await renderEdgeConfig(edges.nginx!, { upstream }, { ...vars, tls }, rules);
    expect(nginx.text).toContain("listen 127.0.0.1:8443 ssl http2;");
  });

  it("a user config without the TLS placeholders, run with TLS, is a user error naming them", async () => {
    await using file = await userFile(
      "server { listen {{port}}; location / { proxy_pass http://{{upstream}}; } }\n",
    );
    const error = await rejection(
      renderEdgeConfig(edges.nginx!, { upstream, configFile: file.path }, { ...vars, tls }, rules),
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_CONFIG_TLS_PLACEHOLDER_MISSING");
    expect(error.what).toBe(`${file.path} does not use {{tls.port}}, {{tls.cert}}, {{tls.key}}`);
    expect(error.fix).toContain("`listen {{tls.port}} ssl http2;`");
    expect(error.fix).toContain("beside the {{port}} one");
  });

  it("names only the TLS placeholders a user config lacks", async () => {
    await using file = await userFile(
      "listen {{port}}; listen {{ tls.port }} ssl http2; ssl_certificate {{tls.cert}}; proxy_pass http://{{upstream}};\n",
    );
    const error = await rejection(
      renderEdgeConfig(edges.nginx!, { upstream, configFile: file.path }, { ...vars, tls }, rules),
    );
    expect(error.what).toBe(`${file.path} does not use {{tls.key}}`);
  });

  it("fills a user config's TLS placeholders, and refuses them when the edge runs without TLS", async () => {
    const text =
      "listen {{port}}; listen {{tls.port}} ssl http2; ssl_certificate {{tls.cert}}; ssl_certificate_key {{tls.key}}; proxy_pass http://{{upstream}};\n";
    await using file = await userFile(text);
    const rendered = await renderEdgeConfig(
      edges.nginx!,
      { upstream, configFile: file.path },
      { ...vars, tls },
      rules,
    );
    expect(rendered.text).toBe(
      "listen 8080; listen 8443 ssl http2; ssl_certificate /run/ca/leaf.pem; ssl_certificate_key /run/ca/leaf.key; proxy_pass http://127.0.0.1:9000;\n",
    );
    const error = await rejection(
      renderEdgeConfig(edges.nginx!, { upstream, configFile: file.path }, vars, rules),
    );
    expect(error.code).toBe("EDGE_CONFIG_TLS_NOT_PROVIDED");
  });

  it("a profile with no TLS variant says which profiles have one", async () => {
    const bare: EdgeDefinition = {
      ...edges.nginx!,
      profiles: { plain: { name: "plain", description: "", template: "listen {{port}};" } },
      defaultProfile: "plain",
    };
    const error = await rejection(renderEdgeConfig(bare, { upstream }, { ...vars, tls }, rules));
    expect(error.code).toBe("EDGE_PROFILE_NO_TLS");
  });

  it("direct cannot serve TLS", async () => {
    const error = await rejection(
      getEdge("direct").start({ upstream, tls: { certPath: "/x", keyPath: "/y" } }),
    );
    expect(error.code).toBe("EDGE_NO_TLS");
  });
});
