import type { TapBytes, TapConnection, TapSideEnd } from "../../proxies/toxiproxy/index.ts";
import { escapeBytes } from "../checks/evidence.ts";
import type { CheckHop, HopEnd, HopFramingRecord, HopRecord } from "../results.ts";
import { passedThrough } from "./attribute.ts";
import { passThrough, upstreamIndex } from "./chain.ts";
import { boxName, describeSent, isBroken } from "./describe.ts";
import type { HopAttribution, HopFraming, HopSummary } from "./hop-types.ts";

/** Raw bytes kept per direction of a failing result's hop: enough to see a status line, headers and how a body ended. */
export const RAW_REQUEST_BYTES = 1024;
export const RAW_RESPONSE_HEAD_BYTES = 2048;
export const RAW_RESPONSE_TAIL_BYTES = 2048;

/**
 * A hop's summary as the result schema carries it (harness/results.ts HopRecord): times relative to
 * `origin`, and, when `raw` is set (a failing result), the bounded bytes of its last connection.
 */
export function toHopRecord(
  summary: HopSummary,
  options: { origin: number; raw?: readonly TapConnection[] },
): HopRecord {
  const record: HopRecord = {
    name: summary.name,
    from: summary.from,
    to: summary.to,
    bytesToUpstream: summary.bytesToUpstream,
    bytesToDownstream: summary.bytesToDownstream,
    end: {
      client: endRecord(summary.end.client, options.origin),
      upstream: endRecord(summary.end.upstream, options.origin),
    },
    framing: framingRecord(summary.framing),
    connections: summary.connections,
    tap: summary.tap,
  };
  if (summary.firstByteMs !== undefined) record.firstByteMs = round(summary.firstByteMs);
  if (summary.lastByteMs !== undefined) record.lastByteMs = round(summary.lastByteMs);
  if (summary.delivered) record.delivered = framingRecord(summary.delivered);
  const last = options.raw && lastCarrying(options.raw);
  if (last) record.raw = rawRecord(last);
  return record;
}

/**
 * What a failing check says about the hops: the attribution's story, or, when no hop's bytes were
 * broken, what each hop carried (so a reader sees the fault is in what the bytes said, not in how
 * they were framed). `timing` adds how long each box held the first token (latency and buffering checks).
 */
export function checkHop(
  attribution: HopAttribution,
  hops: readonly HopSummary[],
  options: { timing?: boolean; injected?: readonly string[] } = {},
): CheckHop | undefined {
  const text = attribution.text || carried(hops, new Set(options.injected ?? []));
  const holdings = options.timing ? attribution.holdings.map((h) => h.line) : [];
  if (!text && holdings.length === 0) return undefined;
  const hop: CheckHop = { text };
  if (attribution.origin !== undefined) hop.origin = attribution.origin;
  if (holdings.length > 0) hop.holdings = holdings;
  return hop;
}

/** From the provider end: what each hop that carried something delivered. */
function carried(hops: readonly HopSummary[], injected: ReadonlySet<string>): string {
  const lines: string[] = [];
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (hop.connections === 0) continue;
    const framing = hop.delivered ?? hop.framing;
    const u = upstreamIndex(hops, i);
    const upstream = u === undefined ? undefined : hops[u]!;
    if (upstream && upstream.connections > 0 && passThrough(hop, upstream)) {
      lines.push(`hop ${hop.name}: ${passedThrough(hop, upstream, upstream.delivered ?? upstream.framing)}`);
      continue;
    }
    const fault = injected.has(hop.name) && isBroken(framing) ? " (the scenario's fault)" : "";
    lines.push(`hop ${hop.name}: ${boxName(hop.to)} ${describeSent(framing, hop.end.upstream)}${fault}`);
  }
  return lines.join("; ");
}

function framingRecord(framing: HopFraming): HopFramingRecord {
  const record: HopFramingRecord = {
    outcome: framing.outcome,
    bodyBytes: framing.bodyBytes,
    chunks: framing.chunks,
  };
  if (framing.framing !== undefined) record.framing = framing.framing;
  if (framing.status !== undefined) record.status = framing.status;
  if (framing.detail !== undefined) record.detail = framing.detail;
  if (framing.semantic !== undefined) record.semantic = framing.semantic;
  return record;
}

function endRecord(end: TapSideEnd, origin: number): HopEnd {
  const record: HopEnd = { kind: end.kind, by: end.by };
  if (end.t !== undefined) record.atMs = round(end.t - origin);
  if (end.detail !== undefined) record.detail = end.detail;
  return record;
}

function lastCarrying(connections: readonly TapConnection[]): TapConnection | undefined {
  return [...connections]
    .filter((c) => c.toUpstream.sent.bytes > 0 || c.toDownstream.sent.bytes > 0)
    .sort((a, b) => a.openedAt - b.openedAt)
    .at(-1);
}

function rawRecord(connection: TapConnection): NonNullable<HopRecord["raw"]> {
  const request = kept(connection.toUpstream.sent);
  const response = kept(connection.toDownstream.sent);
  const requestCut = request.bytes.length > RAW_REQUEST_BYTES;
  const responseCut = response.bytes.length > RAW_RESPONSE_HEAD_BYTES + RAW_RESPONSE_TAIL_BYTES;
  const toDownstream = responseCut
    ? `${escapeBytes(response.bytes.subarray(0, RAW_RESPONSE_HEAD_BYTES), RAW_RESPONSE_HEAD_BYTES, "head")}…${escapeBytes(response.bytes.subarray(-RAW_RESPONSE_TAIL_BYTES), RAW_RESPONSE_TAIL_BYTES, "tail")}`
    : escapeBytes(response.bytes, response.bytes.length);
  const raw: NonNullable<HopRecord["raw"]> = {
    toUpstream: escapeBytes(request.bytes, RAW_REQUEST_BYTES, "head"),
    toDownstream: response.gap
      ? `${toDownstream} [past the tap's budget] ${escapeBytes(response.gap, 1024)}`
      : toDownstream,
  };
  if (requestCut || responseCut || request.gap || response.gap) raw.truncated = true;
  return raw;
}

/** The kept segments, and the tail the tap kept past its budget (the bytes between are gone). */
function kept(bytes: TapBytes): { bytes: Buffer; gap?: Buffer } {
  const joined = Buffer.concat(bytes.segments.map((s) => s.bytes));
  return bytes.truncatedAt !== undefined && bytes.tail
    ? { bytes: joined, gap: bytes.tail }
    : { bytes: joined };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
