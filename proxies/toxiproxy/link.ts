import type { Socket } from "node:net";
import { now } from "../../lib/clock.ts";
import type { HotLoop } from "./hot-loop.ts";
import { ChunkChannel, isEnd, type StreamEnd } from "./stream/chunk-channel.ts";
import { ToxicStub } from "./stream/toxic-stub.ts";
import type { ConnectionTap, TapDirectionName } from "./taps/connection-tap.ts";
import type { TapSide } from "./taps/tap-types.ts";
import { passThrough } from "./toxics/noop.ts";
import type { ToxicDefinition } from "./toxics/toxic.ts";

export type Direction = "upstream" | "downstream";

/** What a link needs to run one toxic of the proxy's chain. */
export interface ChainEntry {
  readonly definition: ToxicDefinition;
  readonly attributes: Readonly<Record<string, number>>;
  readonly toxicity: number;
}

interface Slot {
  stub: ToxicStub;
  entry: ChainEntry;
  /** The toxicity roll: made once when the toxic meets this connection, again when it is updated. */
  active: boolean;
}

/**
 * One direction of one proxied connection (upstream's ToxicLink): source socket -> toxics -> dest
 * socket. With no toxic in its chain the link writes straight from the source's data events to the
 * destination, so the common case costs no more than a pipe; adding a toxic switches it to the stub
 * pipeline in place, and removing the last one switches back once the pipeline ran dry.
 */
export class ToxicLink {
  readonly direction: Direction;
  readonly #source: Socket;
  readonly #dest: Socket;
  #mode: "direct" | "pipeline" = "direct";
  #slots: Slot[] = [];
  /** The last channel, read by the writer. */
  readonly #sink = new ChunkChannel(1);
  #waitingDrain = false;
  #sourceEnded = false;
  #finished = false;
  readonly #hotLoop: HotLoop;
  /** Records what enters the proxy from the source and what leaves it to the destination. */
  readonly #tap: ConnectionTap | undefined;
  readonly #tapDirection: TapDirectionName;

  constructor(
    direction: Direction,
    source: Socket,
    dest: Socket,
    chain: readonly ChainEntry[],
    hotLoop: HotLoop,
    tap?: ConnectionTap,
  ) {
    this.#hotLoop = hotLoop;
    this.direction = direction;
    this.#source = source;
    this.#dest = dest;
    this.#tap = tap;
    this.#tapDirection = direction === "upstream" ? "toUpstream" : "toDownstream";
    let output = this.#sink;
    for (let i = chain.length - 1; i >= 0; i--) {
      const slot = this.#newSlot(chain[i]!, output);
      this.#slots.unshift(slot);
      output = slot.stub.input;
    }
    if (this.#slots.length > 0) {
      this.#mode = "pipeline";
      tap?.divert(this.#tapDirection);
      for (const slot of this.#slots) this.#run(slot);
      this.#pump();
    }
    source.on("data", this.#onData);
    source.once("end", this.#onSourceEnd);
    source.once("close", this.#onSourceEnd);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Appends a toxic to the end of the chain of this live connection. */
  async addToxic(entry: ChainEntry): Promise<void> {
    if (this.#finished) return;
    this.#tap?.divert(this.#tapDirection);
    const last = this.#slots.at(-1);
    const slot = this.#newSlot(entry, last ? last.stub.output : this.#sink);
    if (!last) {
      this.#slots.push(slot);
      this.#run(slot);
      if (this.#mode === "direct") {
        this.#mode = "pipeline";
        this.#pump();
      }
      return;
    }
    const running = await last.stub.interrupt();
    this.#slots.push(slot);
    if (!running || this.#finished) return;
    last.stub.output = slot.stub.input;
    this.#run(slot);
    this.#run(last);
  }

  async updateToxic(index: number, entry: ChainEntry): Promise<void> {
    const slot = this.#slots[index];
    if (!slot || this.#finished) return;
    const running = await slot.stub.interrupt();
    slot.entry = entry;
    slot.active = roll(entry.toxicity);
    if (running && !this.#finished) this.#run(slot);
  }

  async removeToxic(index: number): Promise<void> {
    const slot = this.#slots[index];
    if (!slot || this.#finished) return;
    const running = await slot.stub.interrupt();
    if (running && slot.active && slot.entry.definition.cleanup) slot.entry.definition.cleanup(slot.stub);
    if (!running || slot.stub.closed) {
      // The stream already ended at this toxic; what follows drains and closes on its own.
      this.#slots.splice(index, 1);
      return;
    }
    const previous = this.#slots[index - 1];
    const previousRunning = previous ? await previous.stub.interrupt() : false;
    // Nothing this toxic had not yet read may be lost: it goes on, in order, behind what it sent.
    slot.stub.input.moveAllTo(slot.stub.output);
    if (previous) previous.stub.output = slot.stub.output;
    this.#slots.splice(this.#slots.indexOf(slot), 1);
    slot.stub.abort();
    if (previous && previousRunning && !this.#finished) this.#run(previous);
    if (this.#slots.length === 0) this.#pump();
  }

  /** The connection is being torn down from outside (proxy disabled or removed). */
  abort(): void {
    this.#finished = true;
    for (const slot of this.#slots) slot.stub.abort();
  }

  #newSlot(entry: ChainEntry, output: ChunkChannel): Slot {
    const stub = new ToxicStub(new ChunkChannel(entry.definition.bufferSize ?? 1), output);
    stub.state = entry.definition.newState?.();
    return { stub, entry, active: roll(entry.toxicity) };
  }

  #run(slot: Slot): void {
    const { definition, attributes } = slot.entry;
    slot.stub.run(slot.active ? (stub) => definition.pipe(stub, attributes) : passThrough);
  }

  #head(): ChunkChannel {
    return this.#slots[0]?.stub.input ?? this.#sink;
  }

  readonly #onData = (data: Buffer): void => {
    if (this.#finished) return;
    this.#hotLoop.touch();
    if (this.#mode === "direct") {
      this.#tap?.passed(this.#tapDirection, data);
      if (!this.#dest.write(data)) {
        this.#source.pause();
        this.#dest.once("drain", this.#resumeSource);
      }
      return;
    }
    const at = now();
    this.#tap?.read(this.#tapDirection, data, at);
    const head = this.#head();
    if (!head.push({ data, at })) {
      this.#source.pause();
      head.whenSpace(this.#resumeSource);
    }
  };

  readonly #resumeSource = (): void => {
    if (!this.#finished && !this.#source.destroyed) this.#source.resume();
  };

  readonly #onSourceEnd = (): void => {
    if (this.#sourceEnded || this.#finished) return;
    this.#sourceEnded = true;
    if (this.#mode === "direct") this.#finish("fin");
    else this.#head().push({ end: "fin" });
  };

  /** Writes what reached the end of the chain; back in direct mode once the chain is empty and dry. */
  readonly #pump = (): void => {
    while (!this.#finished && !this.#waitingDrain) {
      const item = this.#sink.shift();
      if (item === undefined) {
        if (this.#slots.length === 0) this.#mode = "direct";
        else this.#sink.onceItem(this.#pump);
        return;
      }
      if (isEnd(item)) {
        this.#finish(item.end);
        return;
      }
      this.#tap?.wrote(this.#tapDirection, item.data);
      if (!this.#dest.write(item.data)) {
        this.#waitingDrain = true;
        this.#dest.once("drain", () => {
          this.#waitingDrain = false;
          this.#pump();
        });
        return;
      }
    }
  };

  /**
   * Like upstream, the end of one direction closes the destination socket entirely (not a half
   * close); the other direction then sees its source go away and ends through its own chain.
   */
  #finish(kind: StreamEnd["end"]): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#tap) this.#recordFinish(this.#tap, kind);
    for (const slot of this.#slots) slot.stub.abort();
    if (kind === "rst") {
      // reset_peer: upstream sets SO_LINGER 0 on both sockets, so each close is a RST.
      for (const socket of [this.#dest, this.#source]) {
        if (!socket.destroyed) socket.resetAndDestroy();
      }
    } else if (!this.#dest.destroyed) {
      if (this.#dest.writableEnded) this.#dest.destroy();
      else this.#dest.end(() => this.#dest.destroy());
    }
  }

  /** How this direction's end closes the destination side (or both, on a reset), and why. */
  #recordFinish(tap: ConnectionTap, kind: StreamEnd["end"]): void {
    const [sourceSide, destSide]: [TapSide, TapSide] =
      this.direction === "upstream" ? ["client", "upstream"] : ["upstream", "client"];
    // A toxic that closed on its own (limit_data, timeout, reset_peer) never saw the stream's end.
    const toxic = this.#slots.find((slot) => slot.stub.closed && !slot.stub.sawEnd)?.entry.definition.type;
    if (kind === "rst") {
      const detail = `${toxic ?? "reset_peer"} toxic`;
      tap.ended(destSide, { kind: "rst", by: "proxy", detail });
      tap.ended(sourceSide, { kind: "rst", by: "proxy", detail });
    } else if (toxic !== undefined) {
      tap.ended(destSide, {
        kind: toxic === "timeout" ? "timeout" : "fin",
        by: "proxy",
        detail: `${toxic} toxic`,
      });
    } else {
      const detail = this.#sourceEnded
        ? `passed on the ${sourceSide} side's end`
        : "closed by a removed toxic";
      tap.ended(destSide, { kind: "fin", by: "proxy", detail });
    }
  }
}

function roll(toxicity: number): boolean {
  return Math.random() < toxicity;
}
