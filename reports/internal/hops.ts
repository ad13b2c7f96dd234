import { type HopFraming, isBroken } from "../../harness/hops/index.ts";
import type { CheckResult, HopFramingRecord, HopRecord } from "../../harness/results.ts";

/** The response was cut, or its body lacks its done signal: the analysis's own rule (harness/hops). */
export function hopBroken(framing: HopFramingRecord): boolean {
  return isBroken(framing as HopFraming);
}

/** A failing check's hop story and, for latency checks, how long each box held the first token. */
export function hopLines(check: Pick<CheckResult, "hop">): string[] {
  if (!check.hop) return [];
  const lines = check.hop.text ? [`where: ${check.hop.text}`] : [];
  if (check.hop.holdings?.length) lines.push(`first token: ${check.hop.holdings.join(", ")}`);
  return lines;
}

/** One hop as a table row's cells: `A probe → nginx`, bytes each way, first/last byte, framing, ends. */
export function hopCells(hop: HopRecord): {
  hop: string;
  bytes: string;
  times: string;
  framing: string;
  ends: string;
} {
  const framing = [
    hop.framing.status === undefined ? undefined : String(hop.framing.status),
    hop.framing.framing,
    hop.framing.outcome,
    hop.framing.semantic === undefined ? undefined : `body ${hop.framing.semantic}`,
  ]
    .filter(Boolean)
    .join(", ");
  const delivered = hop.delivered ? `; delivered ${hop.delivered.outcome}` : "";
  const ms = (t: number | undefined) => (t === undefined ? "–" : `${Math.round(t)} ms`);
  const end = (e: HopRecord["end"]["client"]) => `${e.kind}${e.by === "proxy" ? " (proxy)" : ""}`;
  return {
    hop: `${hop.name} ${hop.from} → ${hop.to}`,
    bytes: `${hop.bytesToUpstream} ↑ ${hop.bytesToDownstream} ↓`,
    times: hop.firstByteMs === undefined ? "–" : `${ms(hop.firstByteMs)} – ${ms(hop.lastByteMs)}`,
    framing: hop.connections === 0 ? "no connection" : `${framing}${delivered}`,
    ends: `${end(hop.end.client)} / ${end(hop.end.upstream)}`,
  };
}
