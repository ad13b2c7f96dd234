import type { JournalEvent } from "./journal-types.ts";

/** Every kind seen, so a write stores a small number instead of a pointer. */
const kindCodes = new Map<string, number>();
const kindNames: string[] = [];

function kindCode(kind: string): number {
  let code = kindCodes.get(kind);
  if (code === undefined) {
    code = kindNames.length;
    if (code > 0xffff) throw new RangeError(`more than 65536 distinct journal event kinds (at "${kind}")`);
    kindNames.push(kind);
    kindCodes.set(kind, code);
  }
  return code;
}

const INITIAL_CAPACITY = 32;

/**
 * The writes of one response, column by column, until someone reads them as `JournalEvent`s.
 *
 * Why columns: an object per write lives as long as the journal, so the young-generation
 * collector copied every one of them (twice) while the streams ran. With 100 paced streams that
 * was most of what each scavenge copied, and its pauses (2–4 ms, several a second) made writes
 * late. Typed arrays keep their numbers outside the collected heap; only the texts, which are
 * the script's own token strings, are held by pointer.
 */
export class EventLog {
  #length = 0;
  #t = new Float64Array(INITIAL_CAPACITY);
  /** NaN for writes that were not scheduled. */
  #due = new Float64Array(INITIAL_CAPACITY);
  #bytes = new Float64Array(INITIAL_CAPACITY);
  #kind = new Uint16Array(INITIAL_CAPACITY);
  #text: (string | undefined)[] = [];
  #lastKind: string | undefined;
  #lastCode = 0;

  get length(): number {
    return this.#length;
  }

  push(t: number, bytes: number, kind: string, text: string | undefined, due: number | undefined): void {
    const i = this.#length;
    if (i === this.#t.length) this.#grow();
    this.#t[i] = t;
    this.#due[i] = due ?? Number.NaN;
    this.#bytes[i] = bytes;
    // A stream writes runs of one kind (content, content, ...): the last code saves a map lookup.
    if (kind !== this.#lastKind) {
      this.#lastKind = kind;
      this.#lastCode = kindCode(kind);
    }
    this.#kind[i] = this.#lastCode;
    this.#text.push(text);
    this.#length = i + 1;
  }

  /** The writes as journal events, new objects on each call (nothing here keeps them). */
  toEvents(): JournalEvent[] {
    const events = new Array<JournalEvent>(this.#length);
    for (let index = 0; index < this.#length; index++) {
      // Same keys in the same order as the journal has always shown them.
      const event: JournalEvent = {
        index,
        t: this.#t[index]!,
        bytes: this.#bytes[index]!,
        kind: kindNames[this.#kind[index]!]!,
      };
      const text = this.#text[index];
      if (text !== undefined) event.text = text;
      const due = this.#due[index]!;
      if (!Number.isNaN(due)) event.due = due;
      events[index] = event;
    }
    return events;
  }

  #grow(): void {
    const capacity = this.#t.length * 2;
    const grown = <A extends Float64Array | Uint16Array>(from: A, to: A): A => {
      to.set(from);
      return to;
    };
    this.#t = grown(this.#t, new Float64Array(capacity));
    this.#due = grown(this.#due, new Float64Array(capacity));
    this.#bytes = grown(this.#bytes, new Float64Array(capacity));
    this.#kind = grown(this.#kind, new Uint16Array(capacity));
  }
}
