import type { Socket } from "node:net";
import { now } from "../../../lib/clock.ts";
import { type Budget, ByteLog } from "./byte-log.ts";
import type { TapConnection, TapSide, TapSideEnd } from "./tap-types.ts";

/** Error codes that mean the peer reset the connection rather than closing it. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

export type TapDirectionName = "toUpstream" | "toDownstream";

interface DirectionLogs {
  sent: ByteLog;
  delivered: ByteLog | undefined;
}

/**
 * The recorder of one proxied connection. The link calls it where bytes enter the proxy (`read`)
 * and where they leave it (`wrote`); while no toxic stands in a direction both are one call
 * (`passed`) and only one log is kept. Each side's end is the first thing that ended it.
 */
export class ConnectionTap {
  readonly id: number;
  readonly openedAt: number;
  readonly #proxy: string;
  readonly #via: TapConnection["tap"];
  readonly #client: string;
  readonly #upstream: string;
  #connectedAt: number | undefined;
  readonly #ends: Partial<Record<TapSide, TapSideEnd>> = {};
  #logs: Record<TapDirectionName, DirectionLogs>;
  /** Directions a toxic has stood in: their delivered side is kept apart from then on. */
  readonly #diverted = new Set<TapDirectionName>();
  #used = 0;
  readonly #limit: number;
  readonly #charge: Budget;
  finishedAt: number | undefined;

  constructor(options: {
    id: number;
    proxy: string;
    via: TapConnection["tap"];
    client: string;
    upstream: string;
    maxBytes: number;
    /** The proxy's own budget, asked after this connection's. */
    charge: Budget;
  }) {
    this.id = options.id;
    this.openedAt = now();
    this.#proxy = options.proxy;
    this.#via = options.via;
    this.#client = options.client;
    this.#upstream = options.upstream;
    this.#limit = options.maxBytes;
    this.#charge = options.charge;
    this.#logs = this.#freshLogs();
  }

  get used(): number {
    return this.#used;
  }

  get finished(): boolean {
    return this.finishedAt !== undefined;
  }

  /** Bytes read from the sending peer while a toxic stands between (written later, by `wrote`). */
  read(direction: TapDirectionName, data: Buffer, t = now()): void {
    this.#logs[direction].sent.push(t, data);
  }

  /** Bytes written to the receiving peer at the end of the toxic chain. */
  wrote(direction: TapDirectionName, data: Buffer): void {
    this.#logs[direction].delivered?.push(now(), data);
  }

  /** Bytes read and written at once (no toxic in this direction). */
  passed(direction: TapDirectionName, data: Buffer): void {
    const logs = this.#logs[direction];
    const t = now();
    logs.sent.push(t, data);
    logs.delivered?.push(t, data);
  }

  /** A toxic now stands in this direction: from here on what arrives can differ from what was sent. */
  divert(direction: TapDirectionName): void {
    this.#diverted.add(direction);
    const logs = this.#logs[direction];
    logs.delivered ??= logs.sent.fork(this.#budget);
  }

  upstreamConnected(): void {
    this.#connectedAt = now();
  }

  /** Records how a side ended, unless something ended it already. */
  ended(side: TapSide, end: Omit<TapSideEnd, "t">): void {
    if (this.#ends[side]) return;
    this.#ends[side] = { ...end, t: now() };
    if (this.#ends.client && this.#ends.upstream) this.finishedAt = now();
  }

  /** Watches a socket for its peer's own end: a FIN, a reset, or (upstream, before connecting) a refusal. */
  watch(side: TapSide, socket: Socket): void {
    socket.once("end", () => this.ended(side, { kind: "fin", by: "peer" }));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? error.message;
      if (side === "upstream" && this.#connectedAt === undefined)
        this.ended(side, { kind: "refused", by: "peer", detail: code });
      else this.ended(side, { kind: RESET_CODES.has(code) ? "rst" : "fin", by: "peer", detail: code });
    });
  }

  /** Drops what was recorded so far (the ends stay). */
  forget(): void {
    this.#used = 0;
    this.#logs = this.#freshLogs();
  }

  snapshot(since?: number): TapConnection {
    const open: TapSideEnd = { kind: "open", by: "peer" };
    const direction = (logs: DirectionLogs) =>
      logs.delivered
        ? { sent: logs.sent.view(since), delivered: logs.delivered.view(since) }
        : { sent: logs.sent.view(since) };
    const upstream: TapConnection["upstream"] = {
      address: this.#upstream,
      end: this.#ends.upstream ?? open,
    };
    if (this.#connectedAt !== undefined) upstream.connectedAt = this.#connectedAt;
    return {
      id: this.id,
      proxy: this.#proxy,
      tap: this.#via,
      openedAt: this.openedAt,
      client: { address: this.#client, end: this.#ends.client ?? open },
      upstream,
      toUpstream: direction(this.#logs.toUpstream),
      toDownstream: direction(this.#logs.toDownstream),
    };
  }

  readonly #budget: Budget = (bytes) => {
    if (this.#used + bytes > this.#limit || !this.#charge(bytes)) return false;
    this.#used += bytes;
    return true;
  };

  #freshLogs(): Record<TapDirectionName, DirectionLogs> {
    const logs = (direction: TapDirectionName): DirectionLogs => ({
      sent: new ByteLog(this.#budget),
      delivered: this.#diverted.has(direction) ? new ByteLog(this.#budget) : undefined,
    });
    return { toUpstream: logs("toUpstream"), toDownstream: logs("toDownstream") };
  }
}
