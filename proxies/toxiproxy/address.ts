import { lookup } from "node:dns/promises";
import { isIP } from "node:net";

/**
 * Go's net.Listen / net.Dial address rules as far as clients can see them: "host:port", "[v6]:port",
 * ":port" and "" (any interface, any port), and the exact error texts upstream answers with.
 */
export interface HostPort {
  host: string;
  port: number;
}

export class AddressError extends Error {}

export function splitHostPort(address: string, op: "listen" | "dial"): HostPort {
  if (address === "" && op === "listen") return { host: "", port: 0 };
  const colon = address.lastIndexOf(":");
  if (colon < 0) throw new AddressError(`${op} tcp: address ${address}: missing port in address`);
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  else if (host.includes(":"))
    throw new AddressError(`${op} tcp: address ${address}: too many colons in address`);
  if (!/^\d+$/.test(portText)) throw new AddressError(`${op} tcp: lookup tcp/${portText}: unknown port`);
  const port = Number(portText);
  if (port > 65535) throw new AddressError(`${op} tcp: address ${portText}: invalid port`);
  return { host, port };
}

export function isWildcard(host: string): boolean {
  return host === "" || host === "0.0.0.0" || host === "::";
}

/** The address to bind: Go prefers IPv4 for a name and listens dual-stack on a wildcard. */
export async function resolveListenHost(host: string): Promise<string> {
  if (isWildcard(host)) return "::";
  if (isIP(host)) return host;
  try {
    return (await lookup(host, { family: 4 })).address;
  } catch {
    try {
      return (await lookup(host)).address;
    } catch {
      throw new AddressError(`listen tcp: lookup ${host}: no such host`);
    }
  }
}

/** Go's TCPAddr.String(). */
export function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
