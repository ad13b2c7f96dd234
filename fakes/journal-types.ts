/**
 * What the fake provider records about each request it served: the evidence for upstream-side
 * checks (was the call cancelled when the client left? was `stream_options` sent to a provider
 * that refuses it? did the SUT retry?). All times are epoch ms from lib/clock.ts `now()`.
 */

export type ProviderName = "openai" | "openai-responses" | "anthropic" | "gemini" | "openrouter" | "ollama";

export interface JournalEvent {
  /** 0-based index among the events written for this response. */
  index: number;
  /** When the write was handed to the socket. */
  t: number;
  /** Body bytes in this write (after any codec framing). */
  bytes: number;
  /** "content" (a token), "role", "tool-call", "thinking", "finish", "usage", "terminator", "keepalive", "error", "padding", "meta". */
  kind: string;
  /** Text of the token for content events (so a check can match what reached the probe). */
  text?: string;
  /** When the script's pacing scheduled this write (paced events only): `t - due` is its lateness. */
  due?: number;
}

export interface FiredFault {
  fault: string;
  /** Where it fired: "pre-stream", "event:3", "byte:90000", "after-finish", "after-terminator", "request". */
  at: string;
  /** When it began to fire (a stall's silence starts here; it ends at the next event). */
  t: number;
}

export interface ClientClose {
  t: number;
  /** "fin": the SUT closed its side cleanly; "rst": ECONNRESET; "abort": socket destroyed before it ended. */
  how: "fin" | "rst" | "abort";
  /** True when the SUT closed before the fake finished writing the response: the SUT cancelled its call. */
  duringResponse: boolean;
}

export interface JournalEntry {
  id: number;
  provider: ProviderName;
  method: string;
  path: string;
  /** Query string without the leading "?", or "". */
  query: string;
  /** Lower-cased header names; secret-named ones (authorization, cookie, x-*-token, *-key) and key shapes redacted. */
  headers: Record<string, string>;
  /** Parsed JSON body when it was JSON, otherwise the raw text; secret-named fields and key shapes redacted. */
  body: unknown;
  /** Name of the script that ran ("default" when no named script matched). */
  script: string;
  /** Status code sent, if headers were sent. */
  status?: number;
  faults: FiredFault[];
  events: JournalEvent[];
  t: {
    received: number;
    headersSent?: number;
    firstContent?: number;
    lastByte?: number;
    /** When the fake finished the response (wrote its last byte and ended, reset or closed it). */
    responseEnded?: number;
  };
  /** How the response ended on the fake's side. */
  outcome: "in-progress" | "complete" | "fault" | "client-closed";
  /** Why the fake could not play the script (e.g. a cassette of another provider than the route's). */
  error?: string;
  clientClose?: ClientClose;
}
