import { isBroken } from "./describe.ts";
import type { HopSummary } from "./hop-types.ts";

/**
 * How the hops of one exchange join up. `hops` runs client first, and a hop's upstream box is the
 * client box of the hop that feeds it: B's backend calls the service link's service, which calls C's
 * provider. A service called by several boxes names them all in `from` (`frontend+worker`), and a
 * box calling several services has several hops after it: the chain is a list, the stack a tree.
 */

/** The boxes on the client side of a hop. */
export function clientBoxes(hop: Pick<HopSummary, "from">): string[] {
  return hop.from.split("+");
}

/**
 * The hop that fed `hops[index]`'s upstream box: the next hop when no box stands between them;
 * else the nearest hop after it whose client is that box (for a box that calls several services,
 * the one whose response was broken, else one that carried a body). With no hop naming the box, the
 * next one, unless that one's client is a box an earlier hop reaches (then this hop is a leaf of
 * the stack, a service that calls nothing). Undefined for the last hop.
 */
export function upstreamIndex(hops: readonly HopSummary[], index: number): number | undefined {
  const hop = hops[index]!;
  const next = hops[index + 1];
  if (next === undefined) return undefined;
  if (passThrough(hop, next)) return index + 1;
  const named: number[] = [];
  for (let j = index + 1; j < hops.length; j++) if (clientBoxes(hops[j]!).includes(hop.to)) named.push(j);
  if (named.length === 0) {
    const reached = hops.slice(0, index).some((h) => clientBoxes(next).includes(h.to));
    return reached ? undefined : index + 1;
  }
  const carried = named.filter((j) => hops[j]!.connections > 0);
  return (
    carried.find((j) => isBroken(hops[j]!.delivered ?? hops[j]!.framing)) ??
    carried.find((j) => hops[j]!.firstBodyByte !== undefined) ??
    carried[0] ??
    named[0]
  );
}

/** The hop `hops[index]`'s upstream box handed its response on to: the one whose upstream hop it is. */
export function downstreamIndex(hops: readonly HopSummary[], index: number): number | undefined {
  for (let k = index - 1; k >= 0; k--) if (upstreamIndex(hops, k) === index) return k;
  return undefined;
}

/**
 * No box stands between the two hops: they link the same boxes, one behind the other (with the
 * `direct` edge, hop A runs straight into hop B's listener). What the later one delivers is what the
 * earlier one carries; nothing between them can hide a cut or hold a byte.
 */
export function passThrough(
  hop: Pick<HopSummary, "from" | "to">,
  upstream: Pick<HopSummary, "from" | "to">,
): boolean {
  return hop.from === upstream.from && hop.to === upstream.to;
}
