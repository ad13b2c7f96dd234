import { holdings } from "./buffering.ts";
import { downstreamIndex, passThrough } from "./chain.ts";
import { boxName, describeSent, framingBroken, isBroken, TERMINATOR } from "./describe.ts";
import type { HopAttribution, HopFraming, HopSummary } from "./hop-types.ts";

export interface AttributeOptions {
  /**
   * Hops whose upstream box is the scenario's own fault source (the fake provider's hop): what it
   * sends broken was scripted, so it is told as the cause and never named as the origin; the origin
   * is then the first box that let the fault through.
   */
  injected?: readonly string[];
}

/**
 * Where a fault first became visible and what each later hop did to it. `hops` runs from the
 * client to the provider (A, B, a stack's service links, C: chain.ts says how they join). The origin is the hop
 * nearest the provider whose response was broken as its upstream box sent it (or, when a toxic
 * stood between, as its client box got it); hops nearer the provider that answered an error, or
 * carried the scenario's injected fault, are told first as the cause, then every hop on the way
 * from the origin to the client says what its upstream box did with what it got.
 */
export function attributeHops(hops: readonly HopSummary[], options: AttributeOptions = {}): HopAttribution {
  const injected = new Set(options.injected ?? []);
  const story: HopAttribution["story"] = [];
  let origin: number | undefined;
  for (let i = hops.length - 1; i >= 0 && origin === undefined; i--) {
    const hop = hops[i]!;
    if (injected.has(hop.name) || hop.connections === 0) continue;
    if (isBroken(hop.framing) || (hop.delivered && isBroken(hop.delivered))) origin = i;
  }
  if (origin !== undefined) {
    for (let i = hops.length - 1; i > origin; i--) {
      const cause = causeLine(hops[i]!, injected.has(hops[i]!.name));
      if (cause) story.push({ hop: hops[i]!.name, line: cause });
    }
    story.push({ hop: hops[origin]!.name, line: originLine(hops[origin]!) });
    // Towards the client along the path the response took: a service on another branch never saw it.
    for (
      let at = origin, i = downstreamIndex(hops, at);
      i !== undefined;
      at = i, i = downstreamIndex(hops, at)
    ) {
      story.push({ hop: hops[i]!.name, line: reactionLine(hops[i]!, hops[at]!) });
    }
  }
  const attribution: HopAttribution = {
    story,
    text: story.map(({ hop, line }) => `hop ${hop}: ${line}`).join("; "),
    holdings: holdings(hops),
  };
  if (origin !== undefined) attribution.origin = hops[origin]!.name;
  return attribution;
}

/** A hop nearer the provider than the origin, worth saying when it answered an error or carried the injected fault. */
function causeLine(hop: HopSummary, injected: boolean): string | undefined {
  const { framing } = hop;
  if (hop.connections === 0) return undefined;
  if (injected && isBroken(framing))
    return `${boxName(hop.to)} ${describeSent(framing, hop.end.upstream)} (the scenario's fault)`;
  if (framing.status !== undefined && framing.status >= 400)
    return `${boxName(hop.to)} answered ${framing.status}`;
  if (framing.semantic === "error-marker") return `${boxName(hop.to)} sent its in-band error`;
  return undefined;
}

function originLine(hop: HopSummary): string {
  const box = boxName(hop.to);
  const sent = `${box} ${describeSent(hop.framing, hop.end.upstream)}`;
  if (isBroken(hop.framing) || !hop.delivered) return sent;
  // The box sent a whole response; something between it and the client box cut it.
  const by =
    hop.end.client.by === "proxy" && hop.end.client.detail ? `the ${hop.end.client.detail}` : "the hop";
  return `${sent}; ${by} on this hop cut it: ${boxName(hop.from)} got a body that ${describeSent(hop.delivered, hop.end.client)}`;
}

/** What a hop's upstream box did with the broken response it got from the hop after it. */
function reactionLine(hop: HopSummary, next: HopSummary): string {
  const received: HopFraming = next.delivered ?? next.framing;
  const box = boxName(hop.to);
  const sent = hop.framing;
  if (passThrough(hop, next)) return passedThrough(hop, next, received);
  if (!isBroken(received)) return `${box} ${describeSent(sent, hop.end.upstream)}`;
  if (framingBroken(sent)) return `${box} passed it on: it ${describeSent(sent, hop.end.upstream)}`;
  if (isBroken(sent)) {
    const ended =
      sent.framing === "chunked"
        ? `sent ${TERMINATOR}`
        : describeSent({ ...sent, semantic: undefined }, hop.end.upstream);
    return `${box} ${ended}: the framing hides the cut, only the missing done signal shows it`;
  }
  if (sent.semantic === "error-marker") return `${box} turned it into its error marker and a clean end`;
  if (
    sent.status !== undefined &&
    sent.status >= 500 &&
    (sent.outcome === "complete" || sent.outcome === "closed")
  )
    return `${box} answered ${sent.status}`;
  switch (sent.outcome) {
    case "complete":
      return sent.framing === "chunked"
        ? `${box} sent ${TERMINATOR}: it hid the cut`
        : `${box} ${describeSent(sent, hop.end.upstream)}: it hid the cut`;
    case "closed":
      return `${box} ended its close-delimited body with FIN: from here on the cut looks like an end`;
    default:
      return `${box} ${describeSent(sent, hop.end.upstream)}`;
  }
}

/** Two hops with no box between them (the `direct` edge): the later one's bytes are the earlier one's. */
export function passedThrough(hop: HopSummary, next: HopSummary, received: HopFraming): string {
  const got = hop.delivered ?? hop.framing;
  const client = boxName(hop.from);
  if (got.outcome === received.outcome)
    return `no edge in between: ${client} got it as hop ${next.name} delivered it`;
  return `no edge in between: ${client} got a body that ${describeSent(got, hop.end.client)}`;
}
