import type { JournalEvent } from "./journal-types.ts";

/**
 * Numbers kept per write, side by side: t, due (NaN when not scheduled), and bytes and kind code
 * in one: bytes * KINDS + code, exact while bytes < 2^37 (a double holds integers to 2^53). Three
 * doubles, not four: every entry keeps its log for the journal's life, outside the collected heap
 * but in the process's memory (1,000 streams of 50 tokens: 1.6 KB a stream at four).
 */
const STRIDE = 3;
/** Kind codes are below this (kindCode), so bytes * KINDS + code splits back into both. */
const KINDS = 0x10000;

/** Every kind seen, so a write stores a small number instead of a pointer. */
const kindCodes = new Map<string, number>();
const kindNames: string[] = [];

function kindCode(kind: string): number {
  let code = kindCodes.get(kind);
  if (code === undefined) {
    code = kindNames.length;
    if (code >= KINDS) throw new RangeError(`more than 65536 distinct journal event kinds (at "${kind}")`);
    kindNames.push(kind);
    kindCodes.set(kind, code);
  }
  return code;
}

const INITIAL_CAPACITY = 32;
/** Every log's columns until its first write or reserve: an entry that writes nothing allocates nothing. */
const NO_NUMBERS = new Float64Array(0);
const NO_TOKENS: readonly string[] = [];

/**
 * The writes of one response, column by column, until someone reads them as `JournalEvent`s.
 *
 * Why columns: an object per write lives as long as the journal, so the young-generation
 * collector copied every one of them (twice) while the streams ran. With 100 paced streams that
 * was most of what each scavenge copied, and its pauses (2–4 ms, several a second) made writes
 * late. A typed array keeps its numbers outside the collected heap; a text is a mark among them
 * when it is the script's next token (useTokens), and held by pointer only otherwise. One array
 * for every number of a write, not one per column: each is an allocation outside the heap, and
 * 1,000 requests arriving at once had made four apiece.
 */
export class EventLog {
  #length = 0;
  #numbers = NO_NUMBERS;
  /**
   * Texts that are not the script's next token (useTokens), by write; none until one is. A
   * write's number is stored negated (-n - 1) when its text is that token instead.
   */
  #text: (string | undefined)[] | undefined;
  /** The script's tokens, in the order its content writes carry them; a write takes the next. */
  #tokens: readonly string[] = NO_TOKENS;
  #nextToken = 0;
  #lastKind: string | undefined;
  #lastCode = 0;

  get length(): number {
    return this.#length;
  }

  push(t: number, bytes: number, kind: string, text: string | undefined, due: number | undefined): void {
    const i = this.#length;
    let at = i * STRIDE;
    if (at === this.#numbers.length) this.#resize(Math.max(INITIAL_CAPACITY, 2 * i));
    const numbers = this.#numbers;
    // A stream writes runs of one kind (content, content, ...): the last code saves a map lookup.
    if (kind !== this.#lastKind) {
      this.#lastKind = kind;
      this.#lastCode = kindCode(kind);
    }
    numbers[at++] = t;
    numbers[at++] = due ?? Number.NaN;
    const bytesAndKind = bytes * KINDS + this.#lastCode;
    if (text === undefined) numbers[at] = bytesAndKind;
    else if (text === this.#tokens[this.#nextToken]) {
      this.#nextToken++;
      numbers[at] = -bytesAndKind - 1;
    } else {
      numbers[at] = bytesAndKind;
      this.#text ??= [];
      this.#text[i] = text;
    }
    this.#length = i + 1;
  }

  /**
   * Texts that are `tokens` in order (the script's, shared by every stream of it) are kept as a
   * mark in the write's numbers, not as a pointer each: a stream's content writes carry its
   * tokens one after another, and an array of pointers to them was a stream's largest object
   * after its plan (1.6 KB for 200 tokens), which the scavenger copied twice while the stream
   * ran and the journal then kept for its 1,000 finished entries. Any other text (an inserted
   * token, a thinking or tool-call piece) is kept as given. Only before the first write.
   */
  useTokens(tokens: readonly string[]): void {
    if (this.#length === 0) this.#tokens = tokens;
  }

  /** The writes as journal events, new objects on each call (nothing here keeps them). */
  toEvents(): JournalEvent[] {
    const numbers = this.#numbers;
    const events = new Array<JournalEvent>(this.#length);
    let nextToken = 0;
    for (let index = 0; index < this.#length; index++) {
      const at = index * STRIDE;
      let bytesAndKind = numbers[at + 2]!;
      let text: string | undefined;
      if (bytesAndKind < 0) {
        bytesAndKind = -bytesAndKind - 1;
        text = this.#tokens[nextToken++];
      } else text = this.#text?.[index];
      // Same keys in the same order as the journal has always shown them.
      const event: JournalEvent = {
        index,
        t: numbers[at]!,
        bytes: Math.floor(bytesAndKind / KINDS),
        kind: kindNames[bytesAndKind % KINDS]!,
      };
      if (text !== undefined) event.text = text;
      const due = numbers[at + 1]!;
      if (!Number.isNaN(due)) event.due = due;
      events[index] = event;
    }
    return events;
  }

  /**
   * Makes room for `writes` writes in all (the plan's length, known once the stream is set up):
   * a stream's columns are then allocated once at their size, not at 32 and again at 64 with a
   * copy. Each is memory outside the heap that V8 counts towards its next full collection, and
   * 1,000 streams of 50 tokens had allocated 3 KB apiece for 1.6 KB of numbers. Writes beyond it
   * still grow the log.
   */
  reserve(writes: number): void {
    if (writes * STRIDE > this.#numbers.length) this.#resize(writes);
  }

  #resize(writes: number): void {
    const resized = new Float64Array(writes * STRIDE);
    resized.set(this.#numbers.subarray(0, this.#length * STRIDE));
    this.#numbers = resized;
  }
}
