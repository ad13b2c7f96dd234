import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { caught, pidAlive } from "../../lib/testing.ts";
import { caddyHidesUpstreamAbort } from "../testing/caddy-versions.ts";
import { waitForEdgeLog } from "../testing/edge-waits.ts";
import { h2Get } from "../testing/h2-get.ts";
import { rawGet } from "../testing/raw-get.ts";
import { useRunCa } from "../testing/run-ca-fixture.ts";
import { startSseUpstream } from "../testing/sse-upstream.ts";
import { caddyEdge, createCaddyEdge } from "./caddy-edge.ts";

// Upstream: 6 events 300 ms apart, the last one ~1.5 s after the request (see the nginx suite for margins).
const STREAM = "/sse?events=6&interval=300";
const availability = await caddyEdge.available();
if (!availability.ok)
  console.warn(`skipping caddy edge tests: ${availability.reason} (${availability.install})`);

describe.skipIf(!availability.ok)("caddy edge", () => {
  const version = availability.ok ? availability.version : "0";

  it("default profile streams text/event-stream at once", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await caddyEdge.start({ upstream });
    const r = await rawGet(edge.url, STREAM);
    expect(r.status).toBe(200);
    expect(r.firstBodyAt! - r.sentAt).toBeLessThan(700);
    expect(r.endAt - r.firstBodyAt!).toBeGreaterThan(900);
    expect(r.body.match(/^data:/gm)?.length).toBe(6);
  });

  it("default profile holds text/plain with Content-Length to the end; sse-tuned does not", async () => {
    await using upstream = await startSseUpstream();
    const path = `${STREAM}&type=text/plain&length=1`;
    {
      await using edge = await caddyEdge.start({ upstream, profile: "default" });
      const r = await rawGet(edge.url, path);
      expect(r.firstBodyAt! - r.sentAt).toBeGreaterThan(1_000);
      expect(r.body.match(/^data:/gm)?.length).toBe(6);
    }
    {
      await using edge = await caddyEdge.start({ upstream, profile: "sse-tuned" });
      const r = await rawGet(edge.url, path);
      expect(r.firstBodyAt! - r.sentAt).toBeLessThan(700);
    }
  });

  it("logs an upstream crash mid-stream as 'aborting with incomplete response'", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await caddyEdge.start({ upstream, profile: "sse-tuned" });
    const r = await rawGet(edge.url, "/sse?events=6&interval=300&crashAfter=2");
    expect(r.body.match(/^data:/gm)?.length).toBe(2);
    expect(r.terminatorSeen).toBe(caddyHidesUpstreamAbort(version));
    const aborting = await waitForEdgeLog(edge, /aborting with incomplete response/);
    expect(aborting.source).toBe("error.log");
    expect(JSON.parse(aborting.line).logger).toBe("http.handlers.reverse_proxy");
    await waitForEdgeLog(edge, /reading from backend/);
    const access = await waitForEdgeLog(edge, /crashAfter=2/);
    expect(access.source).toBe("access.log");
  });

  it("short-timeouts ends a stalled stream within seconds and logs why", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await caddyEdge.start({ upstream, profile: "short-timeouts" });
    const r = await rawGet(edge.url, "/sse?events=6&interval=100&stallAfter=2");
    expect(r.body.match(/^data:/gm)?.length).toBe(2);
    const quiet = r.endAt - r.firstBodyAt!;
    expect(quiet).toBeGreaterThan(1_500);
    expect(quiet).toBeLessThan(6_000);
    await waitForEdgeLog(edge, /reading from backend.*(timeout|deadline)/);
  });

  it("short-timeouts answers a gateway error when the upstream never sends headers", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await caddyEdge.start({ upstream, profile: "short-timeouts" });
    const r = await rawGet(edge.url, "/sse?before=stall");
    expect([502, 504]).toContain(r.status);
    expect(r.endAt - r.sentAt).toBeGreaterThan(1_500);
    expect(r.endAt - r.sentAt).toBeLessThan(6_000);
  });

  it("runs a user's Caddyfile with its own global options, admin switched off, loopback only", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("caddy-user");
    const file = join(dir.path, "Caddyfile");
    await writeFile(
      file,
      [
        "{",
        "\tadmin localhost:2019",
        "\temail ops@example.com",
        "}",
        "",
        "http://127.0.0.1:{{port}} {",
        "\tlog {",
        "\t\toutput file /var/log/caddy/access.log",
        "\t}",
        "\treverse_proxy {{upstream}}",
        "}",
        "",
      ].join("\n"),
    );
    await using edge = await caddyEdge.start({ upstream, configFile: file });
    expect(edge.profile).toBe(`custom:${file}`);
    const r = await rawGet(edge.url, STREAM);
    expect(r.firstBodyAt! - r.sentAt).toBeLessThan(700);
    const json = JSON.parse(await readFile(edge.configPath!, "utf8"));
    expect(json.admin).toEqual({ disabled: true });
    expect(json.apps.http.servers.srv0.listen).toEqual([`127.0.0.1:${edge.port}`]);
    await waitForEdgeLog(edge, /"logger":"http\.log\.access/);
  });

  it("reports a broken user Caddyfile with the user's file and line", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("caddy-user");
    const file = join(dir.path, "Caddyfile");
    await writeFile(file, "http://:{{port}} {\n\tbind {{host}}\n\n\treverse_prxy {{upstream}}\n}\n");
    const error = await caught(caddyEdge.start({ upstream, configFile: file }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_CONFIG_INVALID");
    expect(error.message).toContain(`${file}:4`);
    expect(error.message).toContain("unrecognized directive: reverse_prxy");
    expect(error.details[0]).toBe(`4 | reverse_prxy 127.0.0.1:${upstream.port}`);
  });

  it("rejects a user Caddyfile that hard-codes its upstream", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("caddy-user");
    const file = join(dir.path, "Caddyfile");
    await writeFile(file, "http://:{{port}} {\n\treverse_proxy app:8000\n}\n");
    const error = await caught(caddyEdge.start({ upstream, configFile: file }));
    expect(error.code).toBe("EDGE_CONFIG_PLACEHOLDER_MISSING");
    expect(error.message).toContain("{{upstream}}");
  });

  it("dispose stops caddy and removes its temp dir, also with a stream still open", async () => {
    await using upstream = await startSseUpstream();
    const edge = await caddyEdge.start({ upstream, profile: "sse-tuned" });
    const pending = rawGet(edge.url, "/sse?events=1000&interval=100");
    while (upstream.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
    const started = performance.now();
    await edge[Symbol.asyncDispose]();
    // grace_period is patched to 0.5 s, far below the 3 s stop timeout that would SIGKILL it.
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(pidAlive(edge.pid!)).toBe(false);
    expect(existsSync(edge.configPath!)).toBe(false);
    const r = await pending;
    expect(r.end).not.toBe("timeout");
  });
});

describe.skipIf(!availability.ok)("caddy edge over TLS + HTTP/2", () => {
  const { ca, tls } = useRunCa();

  it("serves the profile over TLS with h2 chosen by ALPN, beside the cleartext listener, h3 off", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await caddyEdge.start({ upstream, profile: "default", tls: tls() });
    expect(edge.tls?.url).toBe(`https://127.0.0.1:${edge.tls?.port}`);
    const h2 = await h2Get(edge.tls!.url, STREAM, ca().caCertPem);
    expect(h2).toMatchObject({ alpn: "h2", status: 200, end: "end-stream" });
    expect(h2.body.match(/^data:/gm)?.length).toBe(6);
    // No HTTP/3 advertised: nothing here speaks QUIC.
    expect(h2.headers["alt-svc"]).toBeUndefined();
    const h1 = await rawGet(edge.url, STREAM);
    expect(h1.terminatorSeen).toBe(true);
    await waitForEdgeLog(edge, /"proto":"HTTP\/2\.0"/);
  });

  it("runs a user's Caddyfile with the TLS placeholders in a second site", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("caddy-user");
    const file = join(dir.path, "Caddyfile");
    await writeFile(
      file,
      [
        "http://:{{port}} {",
        "\treverse_proxy {{upstream}}",
        "}",
        "https://:{{tls.port}} {",
        "\ttls {{tls.cert}} {{tls.key}}",
        "\treverse_proxy {{upstream}}",
        "}",
        "",
      ].join("\n"),
    );
    await using edge = await caddyEdge.start({ upstream, configFile: file, tls: tls() });
    const h2 = await h2Get(edge.tls!.url, STREAM, ca().caCertPem);
    expect(h2).toMatchObject({ alpn: "h2", status: 200, end: "end-stream" });
    const json = JSON.parse(await readFile(edge.configPath!, "utf8"));
    expect(JSON.stringify(json.apps.http.servers)).toContain(`"127.0.0.1:${edge.tls!.port}"`);
  });

  it("a user Caddyfile without the TLS placeholders, run with TLS, is a UserError naming them", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("caddy-user");
    const file = join(dir.path, "Caddyfile");
    await writeFile(file, "http://:{{port}} {\n\treverse_proxy {{upstream}}\n}\n");
    const error = await caught(caddyEdge.start({ upstream, configFile: file, tls: tls() }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_CONFIG_TLS_PLACEHOLDER_MISSING");
    expect(error.message).toContain("{{tls.port}}, {{tls.cert}}, {{tls.key}}");
    expect(error.message).toContain("`tls {{tls.cert}} {{tls.key}}`");
  });
});

describe("caddy edge without the binary", () => {
  const missing = createCaddyEdge({ env: { PATH: "/nonexistent" } });

  it("available() says so, with the install command", async () => {
    const result = await missing.available();
    expect(result).toEqual({
      ok: false,
      reason: "`caddy` was not found on PATH",
      install: "apt-get install -y caddy",
    });
  });

  it("start() is a UserError EDGE_UNAVAILABLE, not a crash", async () => {
    await using upstream = await startSseUpstream();
    const error = await caught(missing.start({ upstream }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_UNAVAILABLE");
  });
});
