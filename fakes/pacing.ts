import type { ScriptPacing } from "./script.ts";

/** mulberry32: a tiny seeded generator so jitter and obfuscation repeat run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Where a schedule starts: the first whole millisecond of the server clock at or after `t` (the
 * headers, or the end of a step that held the stream). Why: slots then fall on whole
 * milliseconds whenever the interval is whole (no jitter), so every stream due in the same
 * millisecond shares one wake-up of the pacer (fakes/pacer.ts) instead of one each, 10x fewer
 * with 1,000 streams a chunk every 100 ms. The first token comes at most 1 ms later than
 * firstTokenMs after the headers; every slot is still written at its journaled due time.
 */
export function scheduleBase(t: number): number {
  return Math.ceil(t);
}

/**
 * When each paced event is due, in ms after the schedule's base (scheduleBase): slot k (the first
 * content event and every event after it) is due at firstTokenMs + k·interval + jitter_k. Events
 * before the first content (role, message_start...) go out with the headers.
 */
export class Schedule {
  readonly headersDelayMs: number;
  readonly #first: number;
  readonly #interval: number;
  readonly #jitter: number;
  /** The jitter's generator, made on the first jittered offset: most scripts have no jitter. */
  #rng: (() => number) | undefined = undefined;
  readonly #seed: number;

  constructor(pacing: ScriptPacing = {}) {
    this.headersDelayMs = pacing.headersDelayMs ?? 0;
    this.#first = pacing.firstTokenMs ?? 0;
    this.#interval = pacing.intervalMs ?? (pacing.tokensPerSecond ? 1000 / pacing.tokensPerSecond : 0);
    this.#jitter = pacing.jitterMs ?? 0;
    this.#seed = (pacing.seed ?? 1) ^ 0x5eed;
  }

  get paced(): boolean {
    return this.#first > 0 || this.#interval > 0 || this.#jitter > 0;
  }

  /** Offset of slot k from the base; never earlier than slot k-1 (callers ask in order). */
  offset(slot: number): number {
    if (!(this.#jitter > 0)) return this.#first + slot * this.#interval;
    this.#rng ??= seededRandom(this.#seed);
    return this.#first + slot * this.#interval + this.#rng() * this.#jitter;
  }
}
