import { type Chunk, type ChunkChannel, isEnd, type StreamEnd, type StreamItem } from "./chunk-channel.ts";

export const INTERRUPTED: unique symbol = Symbol("interrupted");
export const TIMED_OUT: unique symbol = Symbol("timed out");
export type ReadResult = Chunk | null | typeof INTERRUPTED;

/** What a stub runs: a toxic's pipe bound to its attributes (or the pass-through when not toxic). */
export type StubPipe = (stub: ToxicStub) => Promise<void>;

/**
 * The per-connection, per-toxic slot of a chain (Toxiproxy's ToxicStub): reads chunks from its input
 * channel, lets a toxic do its thing, writes to its output channel. Every wait a toxic can be in
 * (read, send, sleep) ends early when the stub is interrupted, so the link can swap the toxic, insert
 * one after it or remove it while the connection stays up and no byte is lost.
 */
export class ToxicStub {
  readonly input: ChunkChannel;
  output: ChunkChannel;
  /** Per-connection state of a stateful toxic (limit_data's byte count); survives updates. */
  state: unknown;
  #interrupted = false;
  #dead = false;
  #closed = false;
  #running: Promise<void> | undefined;
  #wakers = new Set<() => void>();
  #deathWakers = new Set<() => void>();
  #lastEnd: StreamEnd["end"] = "fin";
  #sawEnd = false;

  constructor(input: ChunkChannel, output: ChunkChannel) {
    this.input = input;
    this.output = output;
  }

  get interrupted(): boolean {
    return this.#interrupted;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The end of the stream reached this stub: when it closed, it passed that end on (not its own doing). */
  get sawEnd(): boolean {
    return this.#sawEnd;
  }

  run(pipe: StubPipe): void {
    if (this.#dead || this.#closed) return;
    this.#running = pipe(this).catch(() => {
      // A toxic that throws must not wedge the connection: end the stream as upstream would on EOF.
      this.close();
    });
  }

  /** Stops the running toxic; resolves false when the stub had already closed its output. */
  async interrupt(): Promise<boolean> {
    if (this.#closed || this.#dead) return false;
    this.#interrupted = true;
    this.#wakeAll();
    await this.#running;
    if (this.#dead) return false;
    this.#interrupted = false;
    return !this.#closed;
  }

  /** The connection is gone: stop for good and release timers. */
  abort(): void {
    this.#dead = true;
    this.#interrupted = true;
    this.#wakeAll();
    const deathWakers = [...this.#deathWakers];
    this.#deathWakers.clear();
    for (const wake of deathWakers) wake();
  }

  get dead(): boolean {
    return this.#dead;
  }

  /** The next chunk, `null` at end of stream, or INTERRUPTED. */
  read(): Promise<ReadResult>;
  /** Same, or TIMED_OUT when nothing arrived within `timeoutMs` (a Go select with time.After). */
  read(timeoutMs: number): Promise<ReadResult | typeof TIMED_OUT>;
  read(timeoutMs?: number): Promise<ReadResult | typeof TIMED_OUT> {
    if (this.#interrupted) return Promise.resolve(INTERRUPTED);
    const item = this.input.shift();
    if (item !== undefined) return Promise.resolve(this.#unwrap(item));
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onInterrupt = () => {
        clearTimeout(timer);
        this.input.clearOnceItem();
        resolve(INTERRUPTED);
      };
      this.input.onceItem(() => {
        clearTimeout(timer);
        this.#wakers.delete(onInterrupt);
        const next = this.input.shift();
        resolve(next === undefined ? INTERRUPTED : this.#unwrap(next));
      });
      this.#wakers.add(onInterrupt);
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () => {
            this.#wakers.delete(onInterrupt);
            this.input.clearOnceItem();
            resolve(TIMED_OUT);
          },
          Math.max(0, timeoutMs),
        );
      }
    });
  }

  /** Gives back a chunk (or the end, as null) so that the next read returns it first. */
  unread(chunk: Chunk | null): void {
    this.input.unshift(chunk ?? { end: this.#lastEnd });
  }

  /** Enqueues on the output now; resolves when there is room for the next one (or on interrupt). */
  send(chunk: Chunk): Promise<void> {
    const room = this.output.push(chunk);
    if (room || this.#interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.#wakers.delete(finish);
        resolve();
      };
      this.#wakers.add(finish);
      this.output.whenSpace(finish);
    });
  }

  /** Hands a chunk on without waiting: the interrupt path, where holding data would lose it. */
  forward(chunk: Chunk): void {
    this.output.push(chunk);
  }

  /**
   * Resolves true after `ms`, false if interrupted first. Below 1 ms it only yields to the event loop
   * (timers have millisecond resolution); pacing toxics carry the remainder over.
   */
  sleep(ms: number): Promise<boolean> {
    if (this.#interrupted) return Promise.resolve(false);
    if (!(ms > 0)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onInterrupt = () => {
        if (ms < 1) clearImmediate(immediate);
        else clearTimeout(timer);
        resolve(false);
      };
      const fire = () => {
        this.#wakers.delete(onInterrupt);
        resolve(true);
      };
      const immediate = ms < 1 ? setImmediate(fire) : undefined;
      const timer = ms < 1 ? undefined : setTimeout(fire, ms);
      this.#wakers.add(onInterrupt);
    });
  }

  /** A wait that an interrupt cannot cut short (reset_peer's countdown); only a dead connection can. */
  sleepThroughInterrupts(ms: number): Promise<void> {
    if (this.#dead || !(ms > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      const onDeath = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#deathWakers.delete(onDeath);
        resolve();
      }, ms);
      this.#deathWakers.add(onDeath);
    });
  }

  /** Ends the output stream; `rst` makes the proxy reset both sockets instead of closing them. */
  close(kind?: StreamEnd["end"]): void {
    if (this.#closed) return;
    this.#closed = true;
    this.output.push({ end: kind ?? this.#lastEnd });
  }

  #unwrap(item: StreamItem): Chunk | null {
    if (isEnd(item)) {
      this.#lastEnd = item.end;
      this.#sawEnd = true;
      return null;
    }
    return item;
  }

  #wakeAll(): void {
    const wakers = [...this.#wakers];
    this.#wakers.clear();
    for (const wake of wakers) wake();
  }
}
