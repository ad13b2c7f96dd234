import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOOPBACK, reservePort } from "../../lib/net.ts";
import { makeTempDir } from "../../lib/tempdir.ts";
import { runProbe } from "./index.ts";

/**
 * The probe against a real nginx 1.22: the upstream (Node) sends two SSE events, then destroys its
 * socket. With nginx's default HTTP/1.0 upstream the body is close-delimited, so nginx mistakes the
 * crash for a normal end and appends `0\r\n\r\n`; with `proxy_http_version 1.1` the client sees the
 * chunked body cut with no terminator (wire-formats.md B1). The probe must tell the two apart.
 */
async function startNginx(upstreamPort: number) {
  const dir = await makeTempDir("probe-nginx");
  const port = await reservePort();
  const conf = `
daemon off;
worker_processes 1;
pid ${dir.path}/nginx.pid;
error_log ${dir.path}/error.log info;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir.path}/body; proxy_temp_path ${dir.path}/proxy;
  fastcgi_temp_path ${dir.path}/fastcgi; uwsgi_temp_path ${dir.path}/uwsgi; scgi_temp_path ${dir.path}/scgi;
  server {
    listen ${LOOPBACK}:${port};
    location /h10 { proxy_pass http://${LOOPBACK}:${upstreamPort}; proxy_buffering off; }
    location /h11 {
      proxy_pass http://${LOOPBACK}:${upstreamPort};
      proxy_buffering off; proxy_http_version 1.1; proxy_set_header Connection "";
    }
  }
}`;
  await writeFile(join(dir.path, "nginx.conf"), conf);
  const child = spawn(
    "nginx",
    ["-p", dir.path, "-c", join(dir.path, "nginx.conf"), "-e", join(dir.path, "error.log")],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = await runProbe({
      url: `http://${LOOPBACK}:${port}/missing`,
      timeoutMs: 500,
      fetchView: false,
    });
    if (probe.end.kind !== "connect-failed") break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error("nginx did not start listening within 10000ms");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://${LOOPBACK}:${port}`,
    errorLog: join(dir.path, "error.log"),
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await dir[Symbol.asyncDispose]();
    },
  };
}

describe("probe through a real nginx", () => {
  it("sees nginx hide an upstream crash on HTTP/1.0 and expose it on HTTP/1.1", async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write("data: one\n\n");
      res.write("data: two\n\n", () => setTimeout(() => res.destroy(), 30));
    });
    await new Promise<void>((resolve) => upstream.listen(0, LOOPBACK, () => resolve()));
    await using _upstream = {
      async [Symbol.asyncDispose]() {
        upstream.closeAllConnections();
        await new Promise<void>((resolve) => upstream.close(() => resolve()));
      },
    };
    const address = upstream.address();
    if (address === null || typeof address === "string") throw new Error("no upstream port");
    await using nginx = await startNginx(address.port);

    const hidden = await runProbe({ url: `${nginx.url}/h10`, timeoutMs: 10_000 });
    expect(hidden.response?.statusCode).toBe(200);
    expect(hidden.response?.framing).toBe("chunked");
    expect(hidden.sse.events.map((e) => e.data)).toEqual(["one", "two"]);
    expect(hidden.end.kind).toBe("clean");
    expect(hidden.terminatorSeen).toBe(true);
    expect(hidden.fetchView.outcome).toBe("complete");

    const exposed = await runProbe({ url: `${nginx.url}/h11`, timeoutMs: 10_000 });
    expect(exposed.sse.events.map((e) => e.data)).toEqual(["one", "two"]);
    expect(exposed.end.kind).toBe("fin-mid-body");
    expect(exposed.terminatorSeen).toBe(false);
    expect(exposed.end.detail).toContain("no terminating 0-size chunk");
    expect(exposed.fetchView.outcome).toBe("terminated");
    expect(await readFile(nginx.errorLog, "utf8")).toContain(
      "upstream prematurely closed connection while reading upstream",
    );
  });
});
