import { describe, expect, it } from "vitest";
import { now } from "../lib/clock.ts";
import { Pacer } from "./pacer.ts";

describe("Pacer", () => {
  it("wakes each wait at or after its due time, in due order across callers", async () => {
    const pacer = new Pacer();
    try {
      const start = now();
      const dues = [12, 4, 8, 4, 0.5].map((offset) => start + offset);
      const order: number[] = [];
      const results = await Promise.all(
        dues.map(async (due, i) => {
          const onTime = await pacer.waitUntil(due).promise;
          order.push(i);
          return { onTime, late: now() - due };
        }),
      );
      for (const { onTime, late } of results) {
        expect(onTime).toBe(true);
        expect(late).toBeGreaterThanOrEqual(0);
      }
      // Same due time: the one asked for first goes first (index 1 before index 3).
      expect(order).toEqual([4, 1, 3, 2, 0]);
    } finally {
      pacer.close();
    }
  });

  it("a cancelled wait resolves false at once and the others still wake", async () => {
    const pacer = new Pacer();
    try {
      const cancelled = pacer.waitUntil(now() + 10_000);
      const kept = pacer.waitUntil(now() + 3);
      pacer.cancel(cancelled);
      expect(await cancelled.promise).toBe(false);
      expect(await kept.promise).toBe(true);
      pacer.cancel(kept); // after settling: a no-op
    } finally {
      pacer.close();
    }
  });

  it("close() ends every pending wait with false and lets waiting admissions through", async () => {
    const pacer = new Pacer();
    const pending = [pacer.waitUntil(now() + 60_000), pacer.waitUntil(now() + 120_000)];
    const admitted = pacer.admit();
    pacer.close();
    expect(await Promise.all(pending.map((w) => w.promise))).toEqual([false, false]);
    await admitted;
    expect(await pacer.waitUntil(now() + 1).promise).toBe(false);
  });

  it("admits at once when nothing is paced, and one per turn behind due writes when busy", async () => {
    const pacer = new Pacer();
    try {
      await pacer.admit();
      const due = now() + 5;
      const events: string[] = [];
      const wait = pacer.waitUntil(due).promise.then(() => events.push("paced write"));
      // While streams are paced, newcomers queue; all get in, in arrival order.
      const admissions = [0, 1, 2].map((i) => pacer.admit().then(() => events.push(`admit ${i}`)));
      await Promise.all([wait, ...admissions]);
      expect(events.filter((e) => e.startsWith("admit"))).toEqual(["admit 0", "admit 1", "admit 2"]);
    } finally {
      pacer.close();
    }
  });
});
