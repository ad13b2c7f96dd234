/**
 * A Caddyfile site for one profile. `http://:PORT` plus `bind` rather than `http://127.0.0.1:PORT`:
 * a host in the site address is only a Host-header matcher (Caddy would still listen on every
 * interface and answer an empty 200 to any other Host), while `bind` sets where it listens.
 */
export function caddySite(reverseProxyBody: string[]): string {
  const body = reverseProxyBody.length
    ? ` {\n${reverseProxyBody.map((l) => `\t\t${l}`).join("\n")}\n\t}`
    : "";
  return `http://:{{port}} {
\tbind {{host}}
\treverse_proxy {{upstream}}${body}
}
`;
}
