import { passThrough, upstreamIndex } from "./chain.ts";
import { boxName, duration } from "./describe.ts";
import type { Holding, HopMoment, HopSummary } from "./hop-types.ts";

/**
 * How long each box held the first byte: from the moment its upstream hop handed it the first
 * body byte (and the status line) to the moment its own downstream hop read one from it; and how
 * long each hop's toxics held them between reading and writing. `hops` runs client first; a box's
 * upstream hop is the one that fed it (chain.ts), so every box of a stack is timed, and two hops with
 * no box between them (the `direct` edge) time no box.
 */
export function holdings(hops: readonly HopSummary[]): Holding[] {
  const found: Holding[] = [];
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    const inHop = (moment: HopMoment | undefined) =>
      moment ? moment.deliveredAt - moment.sentAt : undefined;
    const toxicBody = inHop(hop.firstBodyByte);
    const toxicHead = inHop(hop.firstResponseByte);
    if ((toxicBody ?? 0) >= 1 || (toxicHead ?? 0) >= 1) {
      found.push(holding(`hop ${hop.name}`, "hop", `hop ${hop.name}'s toxics`, toxicBody, toxicHead));
    }
    const u = upstreamIndex(hops, i);
    const upstream = u === undefined ? undefined : hops[u];
    if (!upstream || passThrough(hop, upstream)) continue;
    const box = boxName(hop.to);
    const held = (got: HopMoment | undefined, passed: HopMoment | undefined) =>
      got && passed ? passed.sentAt - got.deliveredAt : undefined;
    const body = held(upstream.firstBodyByte, hop.firstBodyByte);
    const head = held(upstream.firstResponseByte, hop.firstResponseByte);
    if (body === undefined && head === undefined) {
      if (upstream.firstBodyByte && !hop.firstBodyByte)
        found.push({ where: hop.to, kind: "box", line: `${box} never passed the first body byte on` });
      continue;
    }
    found.push(holding(hop.to, "box", box, body, head));
  }
  return found;
}

function holding(
  where: string,
  kind: Holding["kind"],
  subject: string,
  body: number | undefined,
  head: number | undefined,
): Holding {
  let line: string;
  if (body === undefined)
    line = `${subject} held the status line ${duration(head!)} (no body byte came through)`;
  else if (body >= 0) line = `${subject} held it ${duration(body)}`;
  else
    line = `${subject} sent a body byte of its own ${duration(-body)} before the first one from upstream arrived`;
  const found: Holding = { where, kind, line };
  if (body !== undefined) found.firstBodyByteMs = body;
  if (head !== undefined) found.firstResponseByteMs = head;
  return found;
}
