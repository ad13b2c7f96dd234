import { describe, expect, it } from "vitest";
import { seededRandom } from "../pacing.ts";
import { seededAlnum } from "./shared.ts";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** The letter-by-letter spelling seededAlnum had: a seed must keep giving the same strings. */
function spelledOut(rng: () => number, max: number): string {
  const length = 1 + Math.floor(rng() * max);
  let out = "";
  for (let i = 0; i < length; i++) out += ALNUM[Math.floor(rng() * ALNUM.length)];
  return out;
}

describe("seededAlnum", () => {
  it("gives, seed for seed, the strings the letter-by-letter spelling gave", () => {
    for (const seed of [1, 2, 42, 0xdeadbeef]) {
      const fast = seededRandom(seed);
      const reference = seededRandom(seed);
      for (let i = 0; i < 2000; i++) expect(seededAlnum(fast, 16)).toBe(spelledOut(reference, 16));
    }
  });

  it("keeps every length from 1 to max, and grows past its scratch for a long max", () => {
    const rng = seededRandom(7);
    const lengths = new Set<number>();
    for (let i = 0; i < 3000; i++) {
      const value = seededAlnum(rng, 16);
      expect(value).toMatch(/^[A-Za-z0-9]{1,16}$/);
      lengths.add(value.length);
    }
    expect(lengths.size).toBe(16);
    const long = seededAlnum(() => 0.999, 500);
    expect(long).toHaveLength(500);
    expect(long).toMatch(/^9+$/);
  });

  it("returns strings that outlive the next call (the scratch is reused, the string is a copy)", () => {
    const rng = seededRandom(3);
    const first = seededAlnum(rng, 16);
    const copy = `${first}`;
    for (let i = 0; i < 50; i++) seededAlnum(rng, 16);
    expect(first).toBe(copy);
  });
});
