import type { TapConnection, TapSideEnd } from "../../proxies/toxiproxy/index.ts";
import type { ProbeObservation } from "../probe/observation.ts";

/**
 * How one response crossed a hop, read from the tapped bytes with the probe's decoder:
 * - complete: ended as its framing says (`0\r\n\r\n`, Content-Length reached, or no body at all);
 * - closed: a close-delimited body ended by FIN: complete for HTTP, and a crash looks the same;
 * - cut-mid-chunk / cut-between-chunks: a chunked body the sender closed without `0\r\n\r\n`;
 * - cut-short: a Content-Length body that ended early; cut-reset: a close-delimited body ended by RST;
 * - headers-cut: closed inside the status line or headers; no-response: closed before any byte;
 * - malformed: bytes that are not HTTP/1.x framing;
 * - client-left: the receiving side closed first, so the sender was cut off, not at fault;
 * - open: still going when read; unknown: the tap's budget ran out before the end could be seen.
 */
export type HopOutcome =
  | "complete"
  | "closed"
  | "cut-mid-chunk"
  | "cut-between-chunks"
  | "cut-short"
  | "cut-reset"
  | "headers-cut"
  | "no-response"
  | "malformed"
  | "client-left"
  | "open"
  | "unknown";

/** What a semantic judge says of a body whose framing alone cannot tell (a provider's `[DONE]`, an app's marker). */
export type SemanticVerdict = "complete" | "incomplete" | "error-marker";

/** Reads a decoded body; undefined when it cannot say (not its protocol). */
export type Judge = (response: {
  status?: number;
  headers: ReadonlyArray<[string, string]>;
  body: Buffer;
}) => SemanticVerdict | undefined;

export interface HopFraming {
  outcome: HopOutcome;
  /** The framing the headers declared, when they came (the probe's words; HTTP/1.1 only here). */
  framing?: NonNullable<ProbeObservation["response"]>["framing"];
  status?: number;
  /** Where it stopped, in the decoder's words (e.g. `mid chunk data: 3 of 10 bytes of chunk #2`). */
  detail?: string;
  bodyBytes: number;
  chunks: number;
  /** The judge's verdict on the body, where one was given and could tell. */
  semantic?: SemanticVerdict;
}

/** One hop to summarize: its tapped connections, in the window of one exchange. */
export interface HopSpec {
  /** e.g. "A", "B", "C", or a stack link's name. */
  name: string;
  /** The box on the client side, e.g. "probe", "nginx", "frontend". */
  from: string;
  /** The box on the upstream side, e.g. "nginx", "backend", "provider". */
  to: string;
  connections: readonly TapConnection[];
  /** Reads the body of the response the `to` box sent (its done signal, its error marker). */
  judge?: Judge;
}

/** When the first byte crossed a hop: read from the `to` box, and handed to the `from` box. */
export interface HopMoment {
  sentAt: number;
  deliveredAt: number;
}

/** One hop of one exchange: what crossed it and how it ended. Times in ms from the exchange's start. */
export interface HopSummary {
  name: string;
  from: string;
  to: string;
  bytesToUpstream: number;
  bytesToDownstream: number;
  /** First and last byte of the response, as the `to` box sent it. */
  firstByteMs?: number;
  lastByteMs?: number;
  /** How each side of the hop's connection ended (client = `from`, upstream = `to`). */
  end: { client: TapSideEnd; upstream: TapSideEnd };
  /** The response as the `to` box sent it. */
  framing: HopFraming;
  /** The response as the `from` box got it, when a toxic stood between and it differs. */
  delivered?: HopFraming;
  /** Connections in the window, and responses on them; the summary is of the last response. */
  connections: number;
  responses: number;
  /** Where the record came from: inside the proxy, a relay beside a real Toxiproxy, or no tap at all. */
  tap: "proxy" | "relay" | "none";
  /** Absolute times (lib/clock.ts) of the first response byte and first body byte, for buffering. */
  firstResponseByte?: HopMoment;
  firstBodyByte?: HopMoment;
}

/** How long a box (or a hop's toxics) held the first byte before passing it on. */
export interface Holding {
  /** A box name, or `hop <name>` for what a hop's own toxics held. */
  where: string;
  kind: "box" | "hop";
  /** From receiving the first body byte to sending one on; negative when it sent its own first. */
  firstBodyByteMs?: number;
  /** The same for the first response byte (the status line). */
  firstResponseByteMs?: number;
  line: string;
}

export interface HopAttribution {
  /** The hop nearest the provider where the fault first became visible; undefined when none broke. */
  origin?: string;
  /** From the provider towards the client: what happened at each hop that matters. */
  story: Array<{ hop: string; line: string }>;
  /** The story as one line: `hop B: …; hop A: …`. */
  text: string;
  holdings: Holding[];
}
