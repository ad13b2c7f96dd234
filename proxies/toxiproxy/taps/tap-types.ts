/**
 * What a tap records about one proxied connection: every byte each peer sent, with the time the
 * proxy read it, what reached the other peer when a toxic stood between, and how each side ended.
 * Times are lib/clock.ts `now()`, the base the probe and the fake's journal use.
 */

/** One read (or write) and when it happened. */
export interface TapSegment {
  readonly t: number;
  readonly bytes: Buffer;
}

/**
 * How one side of a connection ended:
 * - fin: an orderly close; rst: a reset (ECONNRESET, EPIPE) or reset_peer;
 * - timeout: the timeout toxic closed it; refused: the upstream could not be reached (never opened);
 * - open: nothing ended it yet.
 */
export type TapEndKind = "fin" | "rst" | "timeout" | "refused" | "open";

export interface TapSideEnd {
  kind: TapEndKind;
  /** `peer`: the box on this side did it; `proxy`: the proxy closed this side (a toxic, passing on the other side's end, being disabled). */
  by: "peer" | "proxy";
  t?: number;
  /** e.g. `ECONNRESET`, `timeout toxic`, `passed on the upstream's end`. */
  detail?: string;
}

/** The bytes of one direction at one point (what a peer sent, or what the other peer got). */
export interface TapBytes {
  /** Kept segments, in order. */
  segments: TapSegment[];
  /** Every byte that crossed, also those past the budget. */
  bytes: number;
  firstAt?: number;
  lastAt?: number;
  /** The budget ran out here: no segment after it is kept, only the last bytes in `tail`. */
  truncatedAt?: number;
  /** The last bytes seen after the truncation (up to 1 KiB): enough to see how a body ended. */
  tail?: Buffer;
}

export interface TapDirection {
  /** What the sending peer sent, as the proxy read it: before any toxic. */
  sent: TapBytes;
  /**
   * What the receiving peer was given, as the proxy wrote it: after the toxics. Only kept once a
   * toxic stood in this direction; absent, it is byte for byte and (to the microsecond) `sent`.
   */
  delivered?: TapBytes;
}

export type TapSide = "client" | "upstream";

export interface TapConnection {
  /** Per proxy, in accept order. */
  id: number;
  proxy: string;
  /**
   * Where the recorder stood. `proxy`: inside the embedded Toxiproxy, both peers exact. `relay`: a
   * relay between a real Toxiproxy and the upstream: the upstream peer is exact, but the "client"
   * is Toxiproxy, so its toxics are already applied in `toUpstream.sent` and not yet in
   * `toDownstream.sent`.
   */
  tap: "proxy" | "relay";
  openedAt: number;
  client: { address: string; end: TapSideEnd };
  upstream: { address: string; connectedAt?: number; end: TapSideEnd };
  /** Client to upstream (the request). */
  toUpstream: TapDirection;
  /** Upstream to client (the response). */
  toDownstream: TapDirection;
}

export interface TapOptions {
  /**
   * Memory kept per connection, both directions together (bytes plus 32 per kept read); default
   * 4 MiB. Past it, counts and times go on.
   */
  maxBytesPerConnection?: number;
  /** Bytes kept per proxy; past it the oldest finished connections are dropped. Default 64 MiB. */
  maxBytesPerProxy?: number;
}

export const DEFAULT_TAP_OPTIONS: Required<TapOptions> = {
  maxBytesPerConnection: 4 * 1024 * 1024,
  maxBytesPerProxy: 64 * 1024 * 1024,
};

export function resolveTapOptions(options: TapOptions): Required<TapOptions> {
  return { ...DEFAULT_TAP_OPTIONS, ...options };
}
