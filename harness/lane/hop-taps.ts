import { delay, now } from "../../lib/clock.ts";
import {
  type TapConnection,
  type ToxiproxyHops,
  toxiproxyRecordsTaps,
} from "../../proxies/toxiproxy/index.ts";
import type { Hop, Link } from "../../scenarios/scenario.ts";
import type { ToxiproxyBox } from "../boxes/runtime.ts";
import type { Contract } from "../contracts/contract.ts";
import { contractJudge } from "../hops/contract-judge.ts";
import {
  attributeHops,
  type HopAttribution,
  type HopSummary,
  type Judge,
  providerStreamJudge,
  summarizeHop,
} from "../hops/index.ts";
import type { ServiceLink } from "./services.ts";

/** The fake provider's faults are the scenario's script: its hop is never named as the origin. */
export const INJECTED_HOPS: readonly string[] = ["C"];

/**
 * How long to wait for a hop still sending once the probe is done (a pooled connection's response
 * still draining, a backend still writing to a client that left): past it, the hop is read as open.
 */
const SETTLE_MS = 1_000;
const SETTLE_STEP_MS = 20;

export interface TappedHops {
  summaries: HopSummary[];
  attribution: HopAttribution;
  /** Each hop's connections in the window, by hop name ("A"), for the raw bytes of a failing result. */
  connections: Record<string, TapConnection[]>;
}

/** One link of a lane's chain, with the boxes it joins and how its bodies are judged. */
export interface ChainHop {
  hop: Link;
  from: string;
  to: string;
  /** A and B carry the backend's contract; a service link maybe not (marker only); C the provider's stream. */
  judge: "contract" | "service" | "provider";
}

/**
 * Every link of a lane, client first, as the analysis reads them: A, B, the backend's service links
 * from the backend down (each after the box that calls it), then C. `direct` has no box of its own:
 * hop A runs into hop B's listener, so both join the probe and the backend.
 */
export function laneChain(options: {
  edge: string;
  /** What the hops call the backend's process (harness/services-config.ts backendLabel). */
  backend: string;
  links?: readonly ServiceLink[];
  /** The box(es) that call the provider: the backend unless its services do. */
  providerCaller?: string;
}): ChainHop[] {
  const { edge, backend } = options;
  const client = edge === "direct" ? "probe" : edge;
  const chain: ChainHop[] = [
    { hop: "A", from: "probe", to: edge === "direct" ? backend : edge, judge: "contract" },
    { hop: "B", from: client, to: backend, judge: "contract" },
  ];
  const links = [...(options.links ?? [])];
  const visit = (box: string) => {
    for (const link of links.filter((l) => l.from.split("+").includes(box))) {
      if (chain.some((c) => c.hop === link.name)) continue;
      chain.push({ hop: link.name, from: link.from, to: link.to, judge: "service" });
      visit(link.to);
    }
  };
  visit(backend);
  // A service no box names still has its hop: told after the ones the backend reaches.
  for (const link of links) {
    if (!chain.some((c) => c.hop === link.name))
      chain.push({ hop: link.name, from: link.from, to: link.to, judge: "service" });
  }
  chain.push({ hop: "C", from: options.providerCaller ?? backend, to: "provider", judge: "provider" });
  return chain;
}

export interface HopReading {
  hops: ToxiproxyHops;
  hopName(hop: Link): string;
  /** The lane's links, client first (laneChain). */
  chain: readonly ChainHop[];
  contract: Contract;
  /**
   * Hops whose bytes are TLS (hop A for the h2 and browser clients): not HTTP/1.1 to read, so they
   * are left out rather than read as malformed.
   */
  encrypted?: readonly Hop[];
}

/**
 * Why a lane's hops cannot be tapped, or undefined when they can: a Toxiproxy that records nothing
 * gets recording relays beside it, except where they could not stand between its boxes (containers
 * cannot reach a relay on the harness's loopback).
 */
export async function whyNoTaps(toxiproxy: ToxiproxyBox, runtime: string): Promise<string | undefined> {
  if (!toxiproxy.tapsOnlyInServer || (await toxiproxyRecordsTaps(toxiproxy.apiUrl))) return undefined;
  return `the Toxiproxy of the ${runtime} runtime (${toxiproxy.name}) records no taps, and a recording relay in this process cannot stand between its boxes`;
}

/** Forgets what the previous scenario's connections carried, so each scenario reads only its own (and memory stays bounded). */
export async function clearHopTaps(lane: HopReading): Promise<void> {
  await Promise.all(lane.chain.map(({ hop }) => lane.hops.clearTaps(lane.hopName(hop))));
}

/**
 * Reads every hop's taps since `since` and tells where a fault first became visible. Waits (bounded)
 * for hops whose response is still going, so a backend's last bytes are not read as "open".
 */
export async function readHops(
  lane: HopReading,
  window: { since: number; origin: number },
): Promise<TappedHops> {
  const judges: Record<ChainHop["judge"], Judge> = {
    contract: contractJudge(lane.contract),
    service: contractJudge(lane.contract, { markerOnly: true }),
    provider: providerStreamJudge,
  };
  const order = lane.chain.filter(
    ({ hop }) => !(lane.encrypted as readonly Link[] | undefined)?.includes(hop),
  );
  const deadline = now() + SETTLE_MS;
  for (;;) {
    const connections: Record<string, TapConnection[]> = {};
    const lists = await Promise.all(
      order.map(({ hop }) => lane.hops.taps(lane.hopName(hop), { since: window.since })),
    );
    const summaries = order.map(({ hop, from, to, judge }, i) => {
      connections[hop] = lists[i]!;
      return summarizeHop(
        { name: hop, from, to, connections: lists[i]!, judge: judges[judge] },
        { origin: window.origin },
      );
    });
    if (summaries.every((s) => s.framing.outcome !== "open") || now() >= deadline) {
      return { summaries, attribution: attributeHops(summaries, { injected: INJECTED_HOPS }), connections };
    }
    await delay(SETTLE_STEP_MS);
  }
}
