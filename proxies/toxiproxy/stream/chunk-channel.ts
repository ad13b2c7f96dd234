/**
 * One hop of a toxic chain: a FIFO of chunks between two stubs (Toxiproxy's buffered Go channel).
 * Unlike a Go channel a push never blocks and never drops: it always enqueues and only tells the
 * sender whether it should wait for space. That is what lets a toxic hand its held chunk on when it
 * is interrupted ("don't drop any data on the floor") without risking a deadlock on a full channel.
 */
export interface Chunk {
  readonly data: Buffer;
  /** `now()` when the proxy read it from the socket: latency is measured from here, as upstream does. */
  readonly at: number;
}

/** End of stream. `rst` is a reset_peer close: both sockets are reset instead of closed. */
export interface StreamEnd {
  readonly end: "fin" | "rst";
}

export type StreamItem = Chunk | StreamEnd;

export function isEnd(item: StreamItem): item is StreamEnd {
  return "end" in item;
}

export class ChunkChannel {
  readonly capacity: number;
  #items: StreamItem[] = [];
  #onItem: (() => void) | undefined;
  #spaceWaiters: Array<() => void> = [];

  constructor(capacity: number) {
    // A Go channel of size 0 is a rendezvous; here the closest is "one in flight".
    this.capacity = Math.max(1, capacity);
  }

  get size(): number {
    return this.#items.length;
  }

  /** Enqueues the item; returns false when the sender should wait for `whenSpace` before the next. */
  push(item: StreamItem): boolean {
    this.#items.push(item);
    const listener = this.#onItem;
    if (listener) {
      this.#onItem = undefined;
      listener();
    }
    return this.#items.length < this.capacity;
  }

  /** Puts an item back at the head (a toxic giving back what it read but must not consume yet). */
  unshift(item: StreamItem): void {
    this.#items.unshift(item);
  }

  shift(): StreamItem | undefined {
    const item = this.#items.shift();
    if (item !== undefined && this.#spaceWaiters.length > 0 && this.#items.length < this.capacity) {
      const waiters = this.#spaceWaiters;
      this.#spaceWaiters = [];
      for (const waiter of waiters) waiter();
    }
    return item;
  }

  /** Calls `listener` once, on the next push. One listener at a time (the channel has one reader). */
  onceItem(listener: () => void): void {
    this.#onItem = listener;
  }

  clearOnceItem(): void {
    this.#onItem = undefined;
  }

  /** Calls `waiter` once the channel is below capacity (immediately if it already is). */
  whenSpace(waiter: () => void): void {
    if (this.#items.length < this.capacity) waiter();
    else this.#spaceWaiters.push(waiter);
  }

  /** Moves every queued item, in order, behind the items already in `target`. */
  moveAllTo(target: ChunkChannel): void {
    const items = this.#items;
    this.#items = [];
    for (const item of items) target.push(item);
    const waiters = this.#spaceWaiters;
    this.#spaceWaiters = [];
    for (const waiter of waiters) waiter();
  }
}
