import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../lib/errors.ts";
import { disposeAllLive } from "../../lib/lifecycle.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { caught, pidAlive } from "../../lib/testing.ts";
import { waitForEdgeLog } from "../testing/edge-waits.ts";
import { h2Get } from "../testing/h2-get.ts";
import { rawGet } from "../testing/raw-get.ts";
import { useRunCa } from "../testing/run-ca-fixture.ts";
import { startSseUpstream } from "../testing/sse-upstream.ts";
import { createNginxEdge, nginxEdge } from "./nginx-edge.ts";

// Upstream: 6 events 300 ms apart, so the last one leaves ~1.5 s after the request. "Long before the end" and
// "at the end" below leave a margin of several hundred ms for a busy 2-core machine.
const STREAM = "/sse?events=6&interval=300";
const availability = await nginxEdge.available();
if (!availability.ok)
  console.warn(`skipping nginx edge tests: ${availability.reason} (${availability.install})`);

describe.skipIf(!availability.ok)("nginx edge", () => {
  it("default profile holds everything, headers included, until upstream EOF", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream });
    const r = await rawGet(edge.url, STREAM);
    expect(r.status).toBe(200);
    expect(r.body.match(/^data:/gm)?.length).toBe(6);
    const firstByte = r.reads[0]!.t - r.sentAt;
    expect(firstByte).toBeGreaterThan(1_000);
    expect(r.endAt - r.reads[0]!.t).toBeLessThan(400);
    // The profile is the HTTP/1.0 default people deploy.
    expect(upstream.requests[0]!.httpVersion).toBe("1.0");
    expect(upstream.requests[0]!.headers.connection).toBe("close");
  });

  it("default profile streams when the upstream sends X-Accel-Buffering: no, and strips the header", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "default" });
    const r = await rawGet(edge.url, `${STREAM}&accel=no`);
    expect(r.firstBodyAt! - r.sentAt).toBeLessThan(700);
    expect(r.headers["x-accel-buffering"]).toBeUndefined();
  });

  it("sse-tuned delivers the first event long before the end, over HTTP/1.1 upstream", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "sse-tuned" });
    const r = await rawGet(edge.url, STREAM);
    expect(r.firstBodyAt! - r.sentAt).toBeLessThan(700);
    expect(r.endAt - r.firstBodyAt!).toBeGreaterThan(900);
    expect(r.terminatorSeen).toBe(true);
    expect(upstream.requests[0]!.httpVersion).toBe("1.1");
    expect(upstream.requests[0]!.headers.connection).toBeUndefined();
  });

  it("http11-buffered streams a chunked upstream but holds one with Content-Length", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "http11-buffered" });
    const chunked = await rawGet(edge.url, STREAM);
    expect(chunked.firstBodyAt! - chunked.sentAt).toBeLessThan(700);
    const sized = await rawGet(edge.url, `${STREAM}&length=1`);
    expect(sized.firstBodyAt! - sized.sentAt).toBeGreaterThan(1_000);
  });

  it("default profile turns an upstream crash mid-stream into a CLEAN end (the HTTP/1.0 trap)", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream });
    const r = await rawGet(edge.url, "/sse?events=6&interval=300&crashAfter=2");
    expect(r.chunked).toBe(true);
    expect(r.terminatorSeen).toBe(true);
    expect(r.raw.subarray(-5).toString()).toBe("0\r\n\r\n");
    expect(r.body.match(/^data:/gm)?.length).toBe(2);
  });

  it("sse-tuned relays an upstream crash as a cut body and logs it", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "sse-tuned" });
    const r = await rawGet(edge.url, "/sse?events=6&interval=300&crashAfter=2");
    expect(r.chunked).toBe(true);
    expect(r.terminatorSeen).toBe(false);
    expect(r.body.match(/^data:/gm)?.length).toBe(2);
    const line = await waitForEdgeLog(edge, /upstream prematurely closed connection while reading upstream/);
    expect(line.source).toBe("error.log");
    expect(line.t).toBeGreaterThanOrEqual(r.sentAt);
  });

  it("an upstream crash before headers is a 502 logged 'while reading response header from upstream'", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "sse-tuned" });
    const r = await rawGet(edge.url, "/sse?before=crash");
    expect(r.status).toBe(502);
    await waitForEdgeLog(
      edge,
      /upstream prematurely closed connection while reading response header from upstream/,
    );
    const access = await waitForEdgeLog(edge, /before=crash.*status=502/);
    expect(access.source).toBe("access.log");
  });

  it("short-timeouts cuts a stalled stream after ~2 s with no terminator", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "short-timeouts" });
    const r = await rawGet(edge.url, "/sse?events=6&interval=100&stallAfter=2");
    expect(r.body.match(/^data:/gm)?.length).toBe(2);
    expect(r.terminatorSeen).toBe(false);
    const lastData = r.reads.at(-1)!.t;
    const quiet = r.endAt - r.firstBodyAt!;
    expect(quiet).toBeGreaterThan(1_500);
    expect(quiet).toBeLessThan(6_000);
    expect(r.endAt).toBeGreaterThanOrEqual(lastData);
    await waitForEdgeLog(edge, /upstream timed out .* while reading upstream/);
  });

  it("short-timeouts answers 504 when the upstream never sends headers", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "short-timeouts" });
    const r = await rawGet(edge.url, "/sse?before=stall");
    expect(r.status).toBe(504);
    expect(r.endAt - r.sentAt).toBeGreaterThan(1_500);
    await waitForEdgeLog(edge, /upstream timed out .* while reading response header from upstream/);
  });

  it("runs a user's config: system paths and daemon rewritten, relative includes kept working", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("nginx-user");
    await mkdir(join(dir.path, "conf.d"));
    await writeFile(
      join(dir.path, "conf.d", "proxy.conf"),
      "proxy_buffering off;\nproxy_http_version 1.1;\n",
    );
    const file = join(dir.path, "nginx.conf");
    await writeFile(
      file,
      [
        "user www-data;",
        "worker_processes auto; master_process off;",
        "pid /run/nginx.pid;",
        "error_log /var/log/nginx/error.log warn;",
        "events { worker_connections 64; }",
        "http {",
        "    access_log /var/log/nginx/access.log;",
        "    proxy_temp_path /var/lib/nginx/proxy;",
        "    server {",
        "        listen {{port}};",
        "        location / {",
        "            proxy_pass http://{{upstream}};",
        "            include conf.d/proxy.conf;",
        '            proxy_set_header Connection "";',
        "        }",
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    await using edge = await nginxEdge.start({ upstream, configFile: file });
    expect(edge.profile).toBe(`custom:${file}`);
    const r = await rawGet(edge.url, STREAM);
    expect(r.firstBodyAt! - r.sentAt).toBeLessThan(700);
    expect(r.body.match(/^data:/gm)?.length).toBe(6);
    await waitForEdgeLog(edge, /GET \/sse\?events=6.*status=200/);
    // `listen {{port}}` was narrowed to loopback.
    expect(await readFile(edge.configPath!, "utf8")).toContain(`listen 127.0.0.1:${edge.port};`);
  });

  it("reports a broken user config with the user's file and line", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("nginx-user");
    const file = join(dir.path, "broken.conf");
    await writeFile(
      file,
      "events {}\nhttp {\n  server {\n    listen {{host}}:{{port}};\n    proxy_pass_typo http://{{upstream}};\n  }\n}\n",
    );
    const error = await caught(nginxEdge.start({ upstream, configFile: file }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_CONFIG_INVALID");
    expect(error.message).toContain(`${file}:5`);
    expect(error.message).toContain('unknown directive "proxy_pass_typo"');
    expect(error.details[0]).toBe("5 | proxy_pass_typo http://127.0.0.1:" + upstream.port + ";");
  });

  it("rejects a user config without {{port}} / {{upstream}}, an unknown placeholder, and a missing file", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("nginx-user");
    const hardcoded = join(dir.path, "hardcoded.conf");
    await writeFile(
      hardcoded,
      "events {}\nhttp { server { listen 8080; location / { proxy_pass http://app:8000; } } }\n",
    );
    const missing = await caught(nginxEdge.start({ upstream, configFile: hardcoded }));
    expect(missing.code).toBe("EDGE_CONFIG_PLACEHOLDER_MISSING");
    expect(missing.message).toContain("{{port}} and {{upstream}}");

    const typo = join(dir.path, "typo.conf");
    await writeFile(
      typo,
      "events {}\nhttp { server { listen {{port}}; location / { proxy_pass http://{{upstrem}}{{upstream}}; } } }\n",
    );
    const unknown = await caught(nginxEdge.start({ upstream, configFile: typo }));
    expect(unknown.code).toBe("TEMPLATE_UNKNOWN_PLACEHOLDER");
    expect(unknown.message).toContain("{{upstrem}}");

    const absent = await caught(nginxEdge.start({ upstream, configFile: join(dir.path, "nope.conf") }));
    expect(absent.code).toBe("EDGE_CONFIG_NOT_FOUND");
  });

  it("refuses a port that something else holds, before starting nginx", async () => {
    await using upstream = await startSseUpstream();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(0, "127.0.0.1", r));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const error = await caught(nginxEdge.start({ upstream, port }));
      expect(error).toBeInstanceOf(UserError);
      expect(error.code).toBe("PORT_IN_USE");
      expect(error.message).toContain(`127.0.0.1:${port} is already in use`);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it("rejects an unknown profile, naming the known ones", async () => {
    await using upstream = await startSseUpstream();
    const error = await caught(nginxEdge.start({ upstream, profile: "turbo" }));
    expect(error.code).toBe("EDGE_UNKNOWN_PROFILE");
    expect(error.message).toContain("sse-tuned");
  });

  it("dispose stops master and workers and removes its temp dir", async () => {
    await using upstream = await startSseUpstream();
    const edge = await nginxEdge.start({ upstream, profile: "sse-tuned" });
    const workers = edge
      .logs()
      .map((l) => /start worker process (\d+)/.exec(l.line)?.[1])
      .filter((p): p is string => p !== undefined)
      .map(Number);
    expect(workers.length).toBeGreaterThan(0);
    expect(pidAlive(edge.pid!)).toBe(true);
    expect(existsSync(edge.configPath!)).toBe(true);
    await edge[Symbol.asyncDispose]();
    expect(edge.alive()).toBe(false);
    expect(pidAlive(edge.pid!)).toBe(false);
    for (const worker of workers) expect(pidAlive(worker)).toBe(false);
    expect(existsSync(edge.configPath!)).toBe(false);
  });
});

describe.skipIf(!availability.ok)("nginx edge over TLS + HTTP/2", () => {
  const { ca, tls } = useRunCa();

  it("serves the profile over TLS with h2 chosen by ALPN, beside the cleartext listener", async () => {
    await using upstream = await startSseUpstream();
    await using edge = await nginxEdge.start({ upstream, profile: "sse-tuned", tls: tls() });
    expect(edge.tls?.url).toBe(`https://127.0.0.1:${edge.tls?.port}`);
    expect(edge.tls?.port).not.toBe(edge.port);
    const h2 = await h2Get(edge.tls!.url, STREAM, ca().caCertPem);
    expect(h2).toMatchObject({ alpn: "h2", status: 200, end: "end-stream" });
    expect(h2.body.match(/^data:/gm)?.length).toBe(6);
    const h1 = await rawGet(edge.url, STREAM);
    expect(h1.terminatorSeen).toBe(true);
    await waitForEdgeLog(edge, /"GET \/sse\?events=6\S* HTTP\/2\.0" status=200/);
  });

  it("runs a user's config with the TLS placeholders, narrowing a bare {{tls.port}} to loopback", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("nginx-user");
    const file = join(dir.path, "nginx.conf");
    await writeFile(
      file,
      [
        "events {}",
        "http {",
        "    server {",
        "        listen {{port}};",
        "        listen {{tls.port}} ssl http2;",
        "        ssl_certificate {{tls.cert}};",
        "        ssl_certificate_key {{tls.key}};",
        "        location / { proxy_pass http://{{upstream}}; proxy_buffering off; proxy_http_version 1.1; }",
        "    }",
        "}",
        "",
      ].join("\n"),
    );
    await using edge = await nginxEdge.start({ upstream, configFile: file, tls: tls() });
    expect(await readFile(edge.configPath!, "utf8")).toContain(
      `listen 127.0.0.1:${edge.tls!.port} ssl http2;`,
    );
    const h2 = await h2Get(edge.tls!.url, STREAM, ca().caCertPem);
    expect(h2).toMatchObject({ alpn: "h2", status: 200, end: "end-stream" });
  });

  it("a user config without the TLS placeholders, run with TLS, is a UserError naming them", async () => {
    await using upstream = await startSseUpstream();
    await using dir = await makeTempDir("nginx-user");
    const file = join(dir.path, "nginx.conf");
    await writeFile(
      file,
      "events {}\nhttp { server { listen {{port}}; location / { proxy_pass http://{{upstream}}; } } }\n",
    );
    const error = await caught(nginxEdge.start({ upstream, configFile: file, tls: tls() }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_CONFIG_TLS_PLACEHOLDER_MISSING");
    expect(error.message).toContain("{{tls.port}}, {{tls.cert}}, {{tls.key}}");
    expect(error.message).toContain("`ssl_certificate_key {{tls.key}};`");
  });
});

describe.skipIf(!availability.ok)("nginx edge on Ctrl-C", () => {
  it("is disposed by the live registry: process group and temp dir gone", async () => {
    await using upstream = await startSseUpstream();
    const edge = await nginxEdge.start({ upstream });
    await disposeAllLive();
    expect(edge.alive()).toBe(false);
    expect(pidAlive(edge.pid!)).toBe(false);
    expect(existsSync(edge.configPath!)).toBe(false);
  });
});

describe("nginx edge without the binary", () => {
  const missing = createNginxEdge({ env: { PATH: "/nonexistent" } });

  it("available() says so, with the install command", async () => {
    const result = await missing.available();
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain("not found on PATH");
      expect(result.install).toBe("apt-get install -y nginx");
    }
  });

  it("start() is a UserError EDGE_UNAVAILABLE, not a crash", async () => {
    await using upstream = await startSseUpstream();
    const error = await caught(missing.start({ upstream }));
    expect(error).toBeInstanceOf(UserError);
    expect(error.code).toBe("EDGE_UNAVAILABLE");
    expect(error.message).toContain("apt-get install -y nginx");
  });
});
