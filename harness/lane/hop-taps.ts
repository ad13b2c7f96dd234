import { delay, now } from "../../lib/clock.ts";
import {
  type TapConnection,
  type ToxiproxyHops,
  toxiproxyRecordsTaps,
} from "../../proxies/toxiproxy/index.ts";
import type { Hop } from "../../scenarios/scenario.ts";
import type { ToxiproxyBox } from "../boxes/runtime.ts";
import type { Contract } from "../contracts/contract.ts";
import { contractJudge } from "../hops/contract-judge.ts";
import {
  attributeHops,
  type HopAttribution,
  type HopSummary,
  providerStreamJudge,
  summarizeHop,
} from "../hops/index.ts";

/** The hops in the order the analysis reads them: client first. */
const ORDER: readonly Hop[] = ["A", "B", "C"];

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

export interface HopReading {
  hops: ToxiproxyHops;
  hopName(hop: Hop): string;
  /** The edge's name ("nginx"); `direct` has no box of its own: hop A reaches hop B. */
  edge: string;
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
  await Promise.all(ORDER.map((hop) => lane.hops.clearTaps(lane.hopName(hop))));
}

/**
 * Reads every hop's taps since `since` and tells where a fault first became visible. Waits (bounded)
 * for hops whose response is still going, so a backend's last bytes are not read as "open".
 */
export async function readHops(
  lane: HopReading,
  window: { since: number; origin: number },
): Promise<TappedHops> {
  const judge = contractJudge(lane.contract);
  const order = ORDER.filter((hop) => !lane.encrypted?.includes(hop));
  const boxes = boxNames(lane.edge);
  const deadline = now() + SETTLE_MS;
  for (;;) {
    const connections: Record<string, TapConnection[]> = {};
    const lists = await Promise.all(
      order.map((hop) => lane.hops.taps(lane.hopName(hop), { since: window.since })),
    );
    const summaries = order.map((hop, i) => {
      connections[hop] = lists[i]!;
      return summarizeHop(
        {
          name: hop,
          ...boxes[hop],
          connections: lists[i]!,
          judge: hop === "C" ? providerStreamJudge : judge,
        },
        { origin: window.origin },
      );
    });
    if (summaries.every((s) => s.framing.outcome !== "open") || now() >= deadline) {
      return { summaries, attribution: attributeHops(summaries, { injected: INJECTED_HOPS }), connections };
    }
    await delay(SETTLE_STEP_MS);
  }
}

function boxNames(edge: string): Record<Hop, { from: string; to: string }> {
  // With no edge, hop A's upstream is hop B's listener: the probe talks to the backend through both.
  const middle = edge === "direct" ? "backend" : edge;
  return {
    A: { from: "probe", to: middle },
    B: { from: edge === "direct" ? "probe" : edge, to: "backend" },
    C: { from: "backend", to: "provider" },
  };
}
