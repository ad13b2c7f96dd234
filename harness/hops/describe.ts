import type { TapSideEnd } from "../../proxies/toxiproxy/index.ts";
import type { HopFraming, HopOutcome } from "./hop-types.ts";

/** Products keep their name; roles get an article ("nginx", but "the backend"). */
const PROPER_NAMES = /^(nginx|caddy|envoy|haproxy|traefik|apache|toxiproxy|uvicorn|next\.js)\b/i;

export function boxName(name: string): string {
  return PROPER_NAMES.test(name) || /^the /i.test(name) ? name : `the ${name}`;
}

export const TERMINATOR = "`0\\r\\n\\r\\n`";

const BROKEN: ReadonlySet<HopOutcome> = new Set([
  "cut-mid-chunk",
  "cut-between-chunks",
  "cut-short",
  "cut-reset",
  "headers-cut",
  "no-response",
  "malformed",
]);

/**
 * The framing or the end is broken, or the body lacks the done signal its judge looks for. A body
 * whose reader hung up first lacks it too, but its sender was cut off: that is no fault of the hop.
 */
export function isBroken(framing: HopFraming): boolean {
  return framingBroken(framing) || (framing.semantic === "incomplete" && framing.outcome !== "client-left");
}

/** The HTTP framing itself is broken (whatever a judge says of the body). */
export function framingBroken(framing: HopFraming): boolean {
  return BROKEN.has(framing.outcome);
}

/** What the sending box did, as a verb phrase: "closed mid-chunk, no terminating chunk". */
export function describeSent(framing: HopFraming, end: TapSideEnd): string {
  return `${describeFraming(framing, end)}${semanticNote(framing)}`;
}

function describeFraming(framing: HopFraming, end: TapSideEnd): string {
  const { status, bodyBytes } = framing;
  const closedOr = end.kind === "rst" ? "reset the connection" : "closed";
  switch (framing.outcome) {
    case "complete":
      if (status !== undefined && status >= 400) return `answered ${status}`;
      if (framing.framing === "chunked") return `sent a complete chunked body (${TERMINATOR})`;
      if (framing.framing === "none") return `answered ${status ?? "?"} with no body`;
      return `sent a complete ${bodyBytes}-byte body`;
    case "closed":
      return `ended a close-delimited body with ${end.kind === "rst" ? "RST" : "FIN"} (at this hop a cut looks like an end)`;
    case "cut-mid-chunk":
      return `${closedOr} mid-chunk, no terminating chunk`;
    case "cut-between-chunks":
      return framing.chunks === 0
        ? `sent ${status ?? "a status"} and its headers, then ${closedOr} before the first chunk`
        : `${closedOr} between chunks after ${framing.chunks}, no terminating chunk`;
    case "cut-short":
      return `${closedOr} short of its Content-Length (${framing.detail ?? `${bodyBytes} bytes`})`;
    case "cut-reset":
      return "reset the connection in the middle of a close-delimited body";
    case "headers-cut":
      return `${closedOr} in the middle of its status line or headers`;
    case "no-response":
      if (end.kind === "refused") return "refused the connection";
      return end.kind === "rst"
        ? "reset the connection without a response"
        : "closed without sending a response";
    case "malformed":
      return `sent bytes that are not HTTP/1.1 framing (${framing.detail ?? "malformed"})`;
    case "client-left":
      return "was cut off: the other side hung up first";
    case "open":
      return "was still sending";
    case "unknown":
      return `sent more than the tap kept (${framing.detail ?? "truncated"}); how it ended is unknown`;
  }
}

function semanticNote(framing: HopFraming): string {
  if (framing.semantic === "incomplete") return ", and its stream lacks its done signal";
  if (framing.semantic === "error-marker") return ", ending in its in-band error";
  return "";
}

/** 1300 → "1.3 s", 42.4 → "42 ms". */
export function duration(ms: number): string {
  return Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
