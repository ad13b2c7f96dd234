import { describe, expect, it } from "vitest";
import { rewriteNginxConf } from "./nginx-conf.ts";

const DIR = "/tmp/streamchaos-nginx-x";

describe("rewriteNginxConf", () => {
  const user = [
    "user www-data; worker_processes auto;",
    "pid /run/nginx.pid;",
    "error_log /var/log/nginx/error.log",
    "    warn;",
    "include /etc/nginx/modules-enabled/*.conf;",
    "events { worker_connections 768; }",
    "http {",
    "    include mime.types;",
    '    access_log /var/log/nginx/access.log; # "pid" in a comment stays',
    "    proxy_temp_path /var/lib/nginx/proxy 1 2;",
    "    server { listen 127.0.0.1:8080; location / { proxy_pass http://app; } }",
    "}",
  ].join("\n");
  const out = rewriteNginxConf(user, { dir: DIR, includeBase: "/home/me/conf" });
  const lines = out.split("\n");

  it("keeps every line where it was, so nginx's line numbers point into the user's file", () => {
    expect(lines.length).toBe(user.split("\n").length);
    expect(lines[10]).toContain("listen 127.0.0.1:8080;");
  });

  it("puts our main-context directives on line 1 and drops the user's", () => {
    expect(lines[0]).toMatch(
      new RegExp(`^daemon off; pid ${DIR}/nginx.pid; error_log stderr info; +worker_processes auto;$`),
    );
    expect(lines[1]!.trim()).toBe("");
    expect(lines[2]!.trim()).toBe("");
    expect(lines[3]!.trim()).toBe("");
    expect(out).not.toContain("www-data");
  });

  it("puts access log and temp paths inside http and drops the user's", () => {
    expect(lines[6]).toContain(`access_log ${DIR}/access.log streamchaos_access;`);
    expect(lines[6]).toContain(`proxy_temp_path ${DIR}/proxy;`);
    expect(lines[6]).toContain(`client_body_temp_path ${DIR}/client_body;`);
    expect(out).not.toContain("/var/log/nginx");
    expect(out).not.toContain("/var/lib/nginx");
    expect(lines[8]).toContain('# "pid" in a comment stays');
  });

  it("makes relative includes absolute against the user's file and leaves absolute ones", () => {
    expect(lines[7]).toContain('include "/home/me/conf/mime.types";');
    expect(lines[4]).toBe("include /etc/nginx/modules-enabled/*.conf;");
  });

  it("ignores directive names inside quoted strings", () => {
    const quoted = rewriteNginxConf('events {}\nhttp { add_header X "pid 1;"; }\n', { dir: DIR });
    expect(quoted).toContain('add_header X "pid 1;";');
  });
});
