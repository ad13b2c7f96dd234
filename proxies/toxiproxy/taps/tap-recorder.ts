import { ConnectionTap } from "./connection-tap.ts";
import { resolveTapOptions, type TapConnection, type TapOptions } from "./tap-types.ts";

/** Connections kept per proxy at the most, however few bytes they hold (a refused dial holds none). */
const MAX_CONNECTIONS = 4096;

/**
 * The taps of one proxy: a recorder per accepted connection, within a memory budget. Finished
 * connections stay readable until cleared; when the proxy's budget runs out the oldest finished
 * ones go first (`evicted` counts them), and a connection that still does not fit is truncated.
 */
export class TapRecorder {
  readonly proxy: string;
  readonly via: TapConnection["tap"];
  readonly options: Required<TapOptions>;
  #taps: ConnectionTap[] = [];
  #nextId = 1;
  #retained = 0;
  #evicted = 0;

  constructor(proxy: string, options: TapOptions = {}, via: TapConnection["tap"] = "proxy") {
    this.proxy = proxy;
    this.via = via;
    this.options = resolveTapOptions(options);
  }

  /** Connections dropped to stay within the budget since the last clear. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Bytes kept right now, all connections together. */
  get retained(): number {
    return this.#retained;
  }

  open(client: string, upstream: string): ConnectionTap {
    const tap = new ConnectionTap({
      id: this.#nextId++,
      proxy: this.proxy,
      via: this.via,
      client,
      upstream,
      maxBytes: this.options.maxBytesPerConnection,
      charge: this.#charge,
    });
    if (this.#taps.length >= MAX_CONNECTIONS) this.#evictOldestFinished();
    this.#taps.push(tap);
    return tap;
  }

  /**
   * Connections with anything from `since` on (epoch ms, lib/clock.ts): still open, or ended or
   * opened at or after it; their segments from `since` on. Without `since`, everything kept.
   */
  list(since?: number): TapConnection[] {
    return this.#taps
      .filter(
        (tap) =>
          since === undefined ||
          tap.finishedAt === undefined ||
          tap.finishedAt >= since ||
          tap.openedAt >= since,
      )
      .map((tap) => tap.snapshot(since));
  }

  /** Forgets finished connections and what open ones recorded so far. */
  clear(): void {
    this.#taps = this.#taps.filter((tap) => !tap.finished);
    for (const tap of this.#taps) tap.forget();
    this.#retained = 0;
    this.#evicted = 0;
  }

  readonly #charge = (bytes: number): boolean => {
    while (this.#retained + bytes > this.options.maxBytesPerProxy) {
      if (!this.#evictOldestFinished()) return false;
    }
    this.#retained += bytes;
    return true;
  };

  #evictOldestFinished(): boolean {
    const oldest = this.#taps.findIndex((tap) => tap.finished);
    if (oldest < 0) return false;
    this.#retained -= this.#taps[oldest]!.used;
    this.#taps.splice(oldest, 1);
    this.#evicted += 1;
    return true;
  }
}
