import { describe, expect, it } from "vitest";
import { classifyCaddyLine } from "./caddy-edge.ts";
import { patchCaddyJson } from "./caddy-json.ts";

describe("patchCaddyJson", () => {
  it("switches admin and auto-HTTPS off, binds the host, logs JSON to stderr with access logs", () => {
    const adapted = {
      admin: { listen: "localhost:2019" },
      logging: { logs: { log0: { writer: { output: "file", filename: "/var/log/caddy/access.log" } } } },
      apps: {
        http: {
          servers: {
            srv0: { listen: [":8080", "10.0.0.1:9000"], routes: [] },
            srv1: { listen: [":8081"], logs: { logger_names: { x: "log0" } } },
          },
        },
      },
    };
    const out = patchCaddyJson(structuredClone(adapted), { host: "127.0.0.1" }) as {
      admin: unknown;
      logging: unknown;
      apps: { http: { grace_period: number; servers: Record<string, Record<string, unknown>> } };
    };
    expect(out.admin).toEqual({ disabled: true });
    expect(JSON.stringify(out.logging)).not.toContain("/var/log");
    expect(out.apps.http.grace_period).toBe(500_000_000);
    expect(out.apps.http.servers.srv0!.listen).toEqual(["127.0.0.1:8080", "10.0.0.1:9000"]);
    expect(out.apps.http.servers.srv0!.automatic_https).toEqual({ disable: true });
    expect(out.apps.http.servers.srv0!.logs).toEqual({});
    expect(out.apps.http.servers.srv1!.logs).toEqual({ logger_names: { x: "log0" } });
  });

  it("keeps a TLS server to h1 and h2 unless the config chose its protocols", () => {
    const policies = [{ certificate_selection: { any_tag: ["cert0"] } }];
    const out = patchCaddyJson(
      {
        apps: {
          http: {
            servers: {
              srv0: { listen: [":8080"] },
              srv1: { listen: [":8443"], tls_connection_policies: policies },
              srv2: { listen: [":9443"], tls_connection_policies: policies, protocols: ["h1", "h2", "h3"] },
            },
          },
        },
      },
      { host: "127.0.0.1" },
    ) as { apps: { http: { servers: Record<string, Record<string, unknown>> } } };
    const servers = out.apps.http.servers;
    expect(servers.srv0!.protocols).toBeUndefined();
    expect(servers.srv1!.protocols).toEqual(["h1", "h2"]);
    expect(servers.srv2!.protocols).toEqual(["h1", "h2", "h3"]);
  });

  it("creates the http app when the config has none", () => {
    const out = patchCaddyJson({}, { host: "127.0.0.1" });
    expect(out.apps).toEqual({ http: { grace_period: 500_000_000, servers: {} } });
  });
});

describe("classifyCaddyLine", () => {
  it("sorts access-logger lines from the rest, and keeps non-JSON lines as error log", () => {
    const at = (line: string) => classifyCaddyLine({ t: 1, stream: "stderr", line }).source;
    expect(at('{"level":"info","logger":"http.log.access.log0","msg":"handled request"}')).toBe("access.log");
    expect(at('{"level":"error","logger":"http.handlers.reverse_proxy","msg":"reading from backend"}')).toBe(
      "error.log",
    );
    expect(at("panic: runtime error")).toBe("error.log");
  });
});
