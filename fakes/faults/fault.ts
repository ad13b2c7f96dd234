import type { z } from "zod";
import type { PlannedEvent, ProviderStream, RenderContext, RenderedBody } from "../types.ts";

/**
 * A fault step: one small file, registered by name in ./registry.ts (Toxiproxy's toxic shape).
 * A step may reshape the answer before it is planned (`configure`), edit the plan (`transform`),
 * and/or act on the live response when the responder reaches its place (`fire`).
 */
export type Phase = "pre-stream" | "mid-stream" | "after-finish" | "after-terminator";

/**
 * Where a step fires: a phase, before the n-th planned event (0-based), before the n-th content token
 * (0-based: provider-neutral, whatever preamble events a provider sends first), after n body bytes,
 * or (a cassette replay only) at `ms` after the recorded headers. On a replay, events, tokens and
 * bytes are the recording's own (fakes/cassettes/recording.ts).
 */
export type Placement =
  | { phase: Phase }
  | { event: number }
  | { token: number }
  | { byte: number }
  | { ms: number };

export interface RequestView {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON body ({} when absent or not JSON). */
  body: Record<string, unknown>;
}

/** What the responder lends a step while it fires. */
export interface StreamControl {
  readonly ctx: RenderContext;
  readonly stream: ProviderStream;
  readonly request: RequestView;
  /** Aborted when the client goes away or the server shuts down. */
  readonly signal: AbortSignal;
  /** The first planned event not yet written that passes `test`. */
  findUpcoming(test: (event: PlannedEvent) => boolean): PlannedEvent | undefined;
  /** Plans `event` right before `before` (or next, if `before` is not upcoming). */
  insertBefore(before: PlannedEvent | undefined, event: PlannedEvent): void;
  /** Writes one event now (journaled). */
  write(event: PlannedEvent): Promise<void>;
  /** Writes the next planned event in the pieces `split` returns, `gapMs` apart. */
  splitNextWrite(
    split: (bytes: Buffer) => Buffer[],
    gapMs: number,
    select?: (event: PlannedEvent) => boolean,
  ): void;
  /** Before headers: answers with a whole response and ends it. */
  respond(body: RenderedBody, extraHeaders?: Record<string, string>): Promise<void>;
  /** Ends the response properly (`0\r\n\r\n` on a chunked body). */
  end(): Promise<void>;
  /** Flushes what was written, then closes the socket with a FIN: no terminating chunk. */
  fin(): Promise<void>;
  /**
   * Flushes what was written, waits `settleMs` for the peer to read it, then resets the connection
   * (TCP RST). Linux reports a RST that lands behind unread data as a plain EOF, so without the
   * settle time the peer would see a FIN-like end instead of ECONNRESET.
   */
  rst(settleMs?: number): Promise<void>;
  /** Sleeps; resolves false if the client left or the server closed first. */
  sleep(ms: number): Promise<boolean>;
}

/** "done": the step finished the response; "skipped": its condition did not hold (not journaled). */
export type FireResult = "continue" | "done" | "skipped";

export interface FaultDefinition<P extends object = object> {
  name: string;
  summary: string;
  /** A strict zod object for the step's own parameters (everything but `fault` and `at`). */
  params: z.ZodType<P>;
  /** Where it goes when the script gives no `at`. */
  defaultPhase: Phase;
  /** Phases it may be placed at. */
  phases: readonly Phase[];
  /** Whether `{event: n}`, `{token: n}`, `{byte: n}` (and on a replay `{ms: t}`) placements are allowed. */
  positional: boolean;
  configure?(params: P, ctx: RenderContext): void;
  transform?(params: P, plan: PlannedEvent[], stream: ProviderStream): PlannedEvent[];
  fire?(params: P, control: StreamControl): Promise<FireResult>;
}

export const STREAM_PHASES: readonly Phase[] = ["mid-stream", "after-finish", "after-terminator"];

export function defineFault<P extends object>(definition: FaultDefinition<P>): FaultDefinition<P> {
  return definition;
}
