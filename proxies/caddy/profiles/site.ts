import type { EdgeProfile } from "../../edge.ts";

/**
 * A Caddyfile site for one profile. `http://:PORT` plus `bind` rather than `http://127.0.0.1:PORT`:
 * a host in the site address is only a Host-header matcher (Caddy would still listen on every
 * interface and answer an empty 200 to any other Host), while `bind` sets where it listens.
 *
 * With `tls`, a second site serves the same proxy over TLS (Caddy negotiates HTTP/2 by ALPN on every
 * TLS listener). It must be its own site: Caddy 2.6 refuses TLS connection policies on a server that
 * also has an `http://` address ("server listening on [...] is HTTP, but attempts to configure TLS").
 */
export function caddySite(reverseProxyBody: string[], options: { tls?: boolean } = {}): string {
  const body = reverseProxyBody.length
    ? ` {\n${reverseProxyBody.map((l) => `\t\t${l}`).join("\n")}\n\t}`
    : "";
  const plain = `http://:{{port}} {
\tbind {{host}}
\treverse_proxy {{upstream}}${body}
}
`;
  if (!options.tls) return plain;
  return `${plain}
https://:{{tls.port}} {
\tbind {{host}}
\ttls {{tls.cert}} {{tls.key}}
\treverse_proxy {{upstream}}${body}
}
`;
}

/** A profile from its `reverse_proxy` body, in cleartext and with a TLS + HTTP/2 site beside it. */
export function caddyProfile(name: string, description: string, reverseProxyBody: string[]): EdgeProfile {
  return {
    name,
    description,
    template: caddySite(reverseProxyBody),
    tlsTemplate: caddySite(reverseProxyBody, { tls: true }),
  };
}
