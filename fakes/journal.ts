import { StreamchaosError } from "../lib/errors.ts";
import { EventLog } from "./event-log.ts";
import type { JournalEntry, ProviderName } from "./journal-types.ts";

/**
 * An entry as the journal holds it: `events` reads its `log` afresh on each access (so predicates,
 * copies and the admin API see plain events), and the responder appends to `log`.
 */
export interface LiveEntry extends JournalEntry {
  readonly log: EventLog;
}

/** What a waiter can wait for, as plain JSON (so it also travels over the admin API). */
export interface WaitCondition {
  /** "request" (arrived), "response-ended" (the fake finished, faulted, or the client left), "client-closed". */
  event?: "request" | "response-ended" | "client-closed";
  id?: number;
  /** Only entries with an id greater than this (e.g. the last id seen before the step). */
  afterId?: number;
  provider?: ProviderName;
  path?: string;
  script?: string;
  /** client-closed: only closes during (true) or after (false) the response. */
  duringResponse?: boolean;
  /** How many matching entries to wait for (default 1). */
  count?: number;
}

export type JournalPredicate<T> = (entries: readonly JournalEntry[]) => T | undefined | false | null;

export const WAIT_EVENTS = ["request", "response-ended", "client-closed"] as const;

export function conditionPredicate(condition: WaitCondition): JournalPredicate<JournalEntry[]> {
  const event = condition.event ?? "request";
  const count = condition.count ?? 1;
  return (entries) => {
    const matched = entries.filter((e) => {
      if (condition.id !== undefined && e.id !== condition.id) return false;
      if (condition.afterId !== undefined && e.id <= condition.afterId) return false;
      if (condition.provider !== undefined && e.provider !== condition.provider) return false;
      if (condition.path !== undefined && e.path !== condition.path) return false;
      if (condition.script !== undefined && e.script !== condition.script) return false;
      if (event === "response-ended") return e.outcome !== "in-progress";
      if (event === "client-closed") {
        if (!e.clientClose) return false;
        return (
          condition.duringResponse === undefined || e.clientClose.duringResponse === condition.duringResponse
        );
      }
      return true;
    });
    return matched.length >= count ? matched.map(clone) : undefined;
  };
}

const clone = (entry: JournalEntry): JournalEntry => structuredClone(entry);

/** A whole number of entries from 1, or Infinity for no limit. */
export function isJournalLimit(value: number): boolean {
  return value === Number.POSITIVE_INFINITY || (Number.isInteger(value) && value >= 1);
}

interface Waiter {
  check(): boolean;
}

/** What an entry's accessors read (Journal.open). */
class EntryState {
  outcome: JournalEntry["outcome"] = "in-progress";
  constructor(
    readonly journal: Journal,
    /** The journal's generation when opened: an entry from before a clear() is not counted. */
    readonly generation: number,
  ) {}
}

/** Every request the fake served, with long-poll waiters woken on each change. */
export class Journal {
  #entries: LiveEntry[] = [];
  #nextId = 1;
  #waiters = new Set<Waiter>();
  readonly #limit: number;
  #dropped = 0;
  /** Entries no longer in progress: each entry's outcome setter counts it as it finishes. */
  #finished = 0;
  /** Moved on by clear(): an entry opened before it is no longer this journal's to count. */
  #generation = 0;

  /**
   * `limit`: keep at most this many finished entries, dropping the oldest finished first (a
   * `streamchaos fake` left running for a day would otherwise hold every byte it ever wrote).
   * Entries still in progress are never dropped. Default: keep all, which the harness relies on
   * between its resets.
   */
  constructor(options: { limit?: number } = {}) {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    if (!isJournalLimit(limit))
      throw new RangeError(`journal limit must be a whole number >= 1, got ${limit}`);
    this.#limit = limit;
  }

  /** How many finished entries the limit has dropped since the last clear. */
  get dropped(): number {
    return this.#dropped;
  }

  open(fields: Omit<JournalEntry, "id" | "faults" | "events" | "outcome">): LiveEntry {
    const entry = { id: this.#nextId++, faults: [] } as unknown as LiveEntry;
    // Own enumerable accessors, so structuredClone and JSON read them like data; the same two
    // functions for every entry, reading the entry's own state (Journal.#STATE). The object literal
    // with getters this was is made in dictionary mode: ~0.8 KB of hash table an entry (heap
    // snapshot), 2,000 of them live with 1,000 streams open and 1,000 kept, for the collector to
    // walk; getters closed over each entry's state would give every entry a hidden class of its own.
    Object.defineProperty(entry, "events", Journal.#EVENTS);
    Object.defineProperty(entry, "outcome", Journal.#OUTCOME);
    Object.assign(entry, fields);
    // Not enumerable: copies and JSON carry the events, not the columns or the state.
    const log = new EventLog();
    Object.defineProperty(entry, "log", { value: log });
    Object.defineProperty(entry, Journal.#STATE, {
      value: new EntryState(this, this.#generation),
    });
    this.#entries.push(entry);
    this.changed();
    return entry;
  }

  /** Where an entry keeps what its accessors read: a symbol no copy or JSON carries. */
  static readonly #STATE = Symbol("journal entry state");

  static readonly #EVENTS: PropertyDescriptor = {
    get(this: LiveEntry) {
      return this.log.toEvents();
    },
    enumerable: true,
    configurable: true,
  };

  static readonly #OUTCOME: PropertyDescriptor = {
    get(this: { [key: symbol]: EntryState }) {
      return this[Journal.#STATE]!.outcome;
    },
    set(this: { [key: symbol]: EntryState }, value: JournalEntry["outcome"]) {
      const state = this[Journal.#STATE]!;
      const journal = state.journal;
      // Opened before the last clear(): no longer this journal's to count.
      if (
        state.outcome === "in-progress" &&
        value !== "in-progress" &&
        state.generation === journal.#generation
      )
        journal.#finished++;
      state.outcome = value;
    },
    enumerable: true,
    configurable: true,
  };

  /**
   * Drops the oldest finished entries beyond the limit. Runs on every change of every entry, so it
   * looks at the entries only when one has finished beyond the limit: counting them on each call
   * had cost a pass over the journal per change, ~6 per request, with 1,000 streams open and
   * 1,000 kept.
   */
  #trim(): void {
    let excess = this.#finished - this.#limit;
    if (excess <= 0) return;
    this.#finished -= excess;
    this.#dropped += excess;
    // The oldest finished sit at or near the front: splicing them out moves pointers, where a
    // filter had called back for every entry, once a request.
    const entries = this.#entries;
    for (let i = 0; excess > 0 && i < entries.length; ) {
      if (entries[i]!.outcome === "in-progress") i++;
      else {
        // shift() moves the array's start (V8 trims it in place), splice() copies the rest.
        if (i === 0) entries.shift();
        else entries.splice(i, 1);
        excess--;
      }
    }
  }

  /** Copies: callers never see an entry change under them. */
  entries(): JournalEntry[] {
    return this.#entries.map(clone);
  }

  entry(id: number): JournalEntry | undefined {
    const found = this.#entries.find((e) => e.id === id);
    return found && clone(found);
  }

  clear(): void {
    this.#entries = [];
    this.#dropped = 0;
    this.#finished = 0;
    this.#generation++;
    this.changed();
  }

  /** Wakes the waiters; called by the responder on every state change of an entry. */
  changed(): void {
    this.#trim();
    if (this.#waiters.size === 0) return;
    for (const waiter of [...this.#waiters]) waiter.check();
  }

  /** Resolves with the predicate's first truthy answer; rejects with FAKE_WAIT_TIMEOUT after timeoutMs. */
  waitFor<T>(predicate: JournalPredicate<T>, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
        settle();
      };
      const waiter: Waiter = {
        check: () => {
          const result = predicate(this.#entries);
          if (result === undefined || result === null || result === false) return false;
          finish(() => resolve(result));
          return true;
        },
      };
      const onAbort = () => finish(() => reject(signal?.reason));
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new StreamchaosError("FAKE_WAIT_TIMEOUT", {
                what: "The fake provider's journal condition was not met",
                why: `nothing matched within ${timeoutMs}ms (${this.#entries.length} requests journaled)`,
                fix: "Check that the SUT reached the fake (its base URL) and the condition's filters.",
              }),
            ),
          ),
        timeoutMs,
      );
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
      waiter.check();
    });
  }
}
