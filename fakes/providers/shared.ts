import { randomFillSync } from "node:crypto";
import type { PlannedEvent, ProviderStream } from "../types.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM_BYTES = Buffer.from(ALNUM, "latin1");
let alnumScratch = Buffer.allocUnsafe(64);

/**
 * Random bytes drawn 4 KB ahead: a crypto call per id (two per OpenAI request) had cost more than
 * the rest of the codec's setup, with 1,000 requests arriving at once.
 */
const randomPool = Buffer.allocUnsafe(4096);
let randomAt = randomPool.length;

/** Where `count` fresh random bytes start in randomPool. */
function takeRandom(count: number): number {
  if (count > randomPool.length) throw new RangeError(`at most ${randomPool.length} random bytes at once`);
  if (randomAt + count > randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  const at = randomAt;
  randomAt += count;
  return at;
}

/** Unique per request (ids must differ between requests, so they are not seeded). */
export function randomAlnum(length: number): string {
  const at = takeRandom(length);
  if (length > alnumScratch.length) alnumScratch = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) alnumScratch[i] = ALNUM_BYTES[randomPool[at + i]! % ALNUM.length]!;
  return alnumScratch.toString("latin1", 0, length);
}

export function randomHex(length: number): string {
  const bytes = Math.ceil(length / 2);
  const at = takeRandom(bytes);
  return randomPool.toString("hex", at, at + bytes).slice(0, length);
}

/**
 * Seeded random string of 1..max letters (OpenAI's `obfuscation` pads chunk sizes to hide token
 * lengths). Spelled into a reused buffer and read out once: appending letter by letter made a
 * string per letter, on every content chunk of every paced stream.
 */
export function seededAlnum(rng: () => number, max: number): string {
  const length = 1 + Math.floor(rng() * max);
  if (length > alnumScratch.length) alnumScratch = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) alnumScratch[i] = ALNUM_BYTES[Math.floor(rng() * ALNUM.length)]!;
  return alnumScratch.toString("latin1", 0, length);
}

/** Words with their leading whitespace, as a model streams prose ("The", " user", " asks"). */
export function splitWords(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? (text === "" ? [] : [text]);
}

/**
 * A tool call's arguments in the fragments a model streams them in: a word, or the punctuation
 * between words with its spaces (`{"`, `location`, `": "`, `Paris`, `", "`, ...).
 */
export function argumentPieces(json: string): string[] {
  return json.match(/[\p{L}\p{N}_]+|[^\p{L}\p{N}_]+/gu) ?? [];
}

/** seededAlnum's letters for the same draws, written into `target` from `at`; returns the end. */
export function writeSeededAlnum(rng: () => number, max: number, target: Buffer, at: number): number {
  const end = at + 1 + Math.floor(rng() * max);
  for (let i = at; i < end; i++) target[i] = ALNUM_BYTES[Math.floor(rng() * ALNUM.length)]!;
  return end;
}

/** An SSE event: optional `event:` line, one `data:` line, blank line, with the provider's line ending. */
export function sse(data: string, event?: string, eol = "\n"): string {
  return (event === undefined ? "" : `event: ${event}${eol}`) + `data: ${data}${eol}${eol}`;
}

/** One shape for every planned event (no spread), so the responder's reads stay monomorphic. */
class PlannedWrite implements PlannedEvent {
  readonly kind: string;
  readonly text: string | undefined;
  readonly finish: boolean | undefined;
  readonly terminator: boolean | undefined;
  readonly #render: (stream: ProviderStream) => string;

  constructor(kind: string, render: (stream: ProviderStream) => string, extra: PlannedExtra) {
    this.kind = kind;
    this.#render = render;
    this.text = extra.text;
    this.finish = extra.finish;
    this.terminator = extra.terminator;
  }

  render(stream: ProviderStream): string {
    return this.#render(stream);
  }
}

interface PlannedExtra {
  text?: string;
  finish?: boolean;
  terminator?: boolean;
}

/**
 * `render` gets the stream the event is written to: an event whose bytes come from the stream alone
 * can then be made once for every stream of its codec (openai's role, finish and end), where a
 * closure over the stream was an event, a closure and a context a stream, kept for its whole life.
 */
export function planned(
  kind: string,
  render: (stream: ProviderStream) => string,
  extra: PlannedExtra = {},
): PlannedEvent {
  return new PlannedWrite(kind, render, extra);
}

/**
 * A content event: the token only, rendered by the stream that writes it. Why not a closure per
 * token: a plan holds every token of the answer from the request on, and when 100 streams arrived
 * at once, their closures and contexts were most of what the scavenger had to copy, in a pause
 * that made the paced writes already running late. Token events carry no stream, so every stream
 * of a script shares one list of them (`tokenEvents`).
 */
class TokenWrite implements PlannedEvent {
  readonly kind = "content";
  readonly isToken = true;
  readonly text: string;
  readonly finish: boolean | undefined;
  readonly terminator = undefined;

  constructor(text: string, finish: boolean | undefined) {
    this.text = text;
    this.finish = finish;
  }

  render(stream: ProviderStream): string {
    return stream.renderToken(this.text, this.finish === true);
  }
}

export function tokenEvent(text: string, finish?: boolean): PlannedEvent {
  return new TokenWrite(text, finish);
}

const tokenEventLists = new WeakMap<readonly string[], readonly PlannedEvent[]>();

/** The content events for `tokens`, made once per tokens array (scriptTokens keeps one per script). */
export function tokenEvents(tokens: readonly string[]): readonly PlannedEvent[] {
  let events = tokenEventLists.get(tokens);
  if (!events) {
    events = tokens.map((text) => tokenEvent(text));
    tokenEventLists.set(tokens, events);
  }
  return events;
}

/**
 * JSON with chosen separators. Gemini writes `": "` and a bare `,` ({"a": 1,"b": 2}); Python's
 * json.dumps default (Anthropic's in-stream error and ping, OpenAI's in-stream error) writes ", " and ": ".
 */
export function styledJson(value: unknown, itemSep: string, keySep: string): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => styledJson(v, itemSep, keySep)).join(itemSep)}]`;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    parts.push(`${JSON.stringify(k)}${keySep}${styledJson(v, itemSep, keySep)}`);
  }
  return `{${parts.join(itemSep)}}`;
}

export const pythonJson = (value: unknown): string => styledJson(value, ", ", ": ");

/** Cuts a JSON text short so no parser accepts it (keeps at least the opening brace). */
export function truncateJson(json: string): string {
  return json.slice(0, Math.max(2, Math.floor(json.length / 2)));
}

export function requestedModel(request: Record<string, unknown>, fallback: string): string {
  return typeof request.model === "string" && request.model !== "" ? request.model : fallback;
}

/** A sample's JSON when it is an object (signatures read fields off it), else undefined. */
export function sampleObject(json: unknown): Record<string, unknown> | undefined {
  return typeof json === "object" && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : undefined;
}
