import { hostPort } from "../../../lib/net.ts";
import type { Address, BoxAddress } from "../../../runtime/box.ts";

/**
 * How the host reaches each box's internal address (`toxiproxy:10002` → `127.0.0.1:32801`): a backend
 * run on the host was templated with the boxes' internal names, which the host cannot resolve.
 */
export class AddressMap {
  readonly #externalOf = new Map<string, string>();

  add(address: BoxAddress): void {
    this.#externalOf.set(
      hostPort(address.internal.host, address.internal.port),
      hostPort(address.external.host, address.external.port),
    );
  }

  externalFor(internal: Address): Address | undefined {
    const mapped = this.#externalOf.get(hostPort(internal.host, internal.port));
    if (!mapped) return undefined;
    const at = mapped.lastIndexOf(":");
    return { host: mapped.slice(0, at), port: Number(mapped.slice(at + 1)) };
  }

  /** Replaces every known internal `host:port` in `value` with how the host reaches it. */
  rewrite(value: string): string {
    return rewriteAddresses(value, this.#externalOf);
  }
}

/**
 * Replaces each `internal` host:port in `value` with its `external` counterpart. Only whole
 * addresses are replaced: `toxiproxy:10001` must not match inside `toxiproxy:100010` or `xtoxiproxy:10001`.
 */
export function rewriteAddresses(value: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0) return value;
  const escaped = [...map.keys()]
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\w.-])(?:${escaped.join("|")})(?!\\d)`, "g");
  return value.replace(pattern, (found) => map.get(found) ?? found);
}
