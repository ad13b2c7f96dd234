/**
 * Patches an adapted Caddy JSON config so it runs as a private local process: no admin endpoint (two
 * lanes would fight over :2019), no automatic HTTPS, listeners on the edge's host only, one JSON log
 * on stderr that includes access logs, and a short shutdown grace so open streams do not hold a stop.
 */

type Json = Record<string, unknown>;

function object(parent: Json, key: string): Json {
  const value = parent[key];
  if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

export interface CaddyPatchOptions {
  host: string;
  /** Nanoseconds, Caddy's duration unit in JSON. */
  gracePeriodNs?: number;
}

export function patchCaddyJson(config: Json, options: CaddyPatchOptions): Json {
  config.admin = { disabled: true };
  // Replaces any logging the user configured: file writers would land in system paths, and the
  // runtime needs every line on a pipe it reads, stamped as it arrives.
  config.logging = {
    logs: { default: { writer: { output: "stderr" }, encoder: { format: "json" }, level: "INFO" } },
  };
  const http = object(object(config, "apps"), "http");
  http.grace_period = options.gracePeriodNs ?? 500_000_000;
  const servers = object(http, "servers");
  for (const server of Object.values(servers)) {
    if (server === null || typeof server !== "object") continue;
    const s = server as Json;
    const listen = Array.isArray(s.listen) ? (s.listen as unknown[]) : [];
    s.listen = listen.map((address) =>
      typeof address === "string" && address.startsWith(":") ? `${options.host}${address}` : address,
    );
    s.automatic_https = { disable: true };
    // HTTP/3 would add a UDP listener on the TLS port (not reserved, not reachable: no client here
    // speaks QUIC, Chromium runs with --disable-quic) and an Alt-Svc header to every response.
    if (Array.isArray(s.tls_connection_policies) && s.protocols === undefined) s.protocols = ["h1", "h2"];
    // An empty `logs` object turns on access logging into the default logger.
    if (s.logs === undefined) s.logs = {};
  }
  return config;
}
