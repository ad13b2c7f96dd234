import { describe, expect, it } from "vitest";
import { now } from "../lib/clock.ts";
import { followingDues, PacedAlarm, Pacer } from "./pacer.ts";

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

  it("catchUp() wakes what is already due from inside other work, and nothing early", async () => {
    const pacer = new Pacer();
    try {
      await pacer.waitUntil(now() + 1).promise; // the timer's helper thread takes ms to start
      const due = now() + 20;
      const soon = pacer.waitUntil(due);
      const later = pacer.waitUntil(now() + 60_000);
      let woken = false;
      void soon.promise.then(() => {
        woken = true;
      });
      pacer.catchUp(); // nothing is due yet
      await Promise.resolve();
      expect(woken).toBe(false);
      // Busy, as when a herd of requests holds the thread: no timer callback can run in here.
      while (now() < due) {}
      pacer.catchUp();
      await Promise.resolve();
      expect(woken).toBe(true);
      expect(await soon.promise).toBe(true);
      pacer.cancel(later);
      expect(await later.promise).toBe(false);
    } finally {
      pacer.close();
    }
  });

  it("close() ends every pending wait with false, and later waits at once", async () => {
    const pacer = new Pacer();
    const pending = [pacer.waitUntil(now() + 60_000), pacer.waitUntil(now() + 120_000)];
    pacer.close();
    expect(await Promise.all(pending.map((w) => w.promise))).toEqual([false, false]);
    expect(await pacer.waitUntil(now() + 1).promise).toBe(false);
  });
});

describe("PacedAlarm", () => {
  /** An alarm that records each wake-up and resolves `woken` on the next one. */
  function recorder() {
    const wakes: Array<{ onTime: boolean; at: number }> = [];
    let next: (() => void) | undefined;
    let onWake = (onTime: boolean) => {
      wakes.push({ onTime, at: now() });
      next?.();
    };
    const alarm = new PacedAlarm((onTime) => onWake(onTime));
    return {
      alarm,
      wakes,
      woken: () =>
        new Promise<void>((resolve) => {
          next = resolve;
        }),
      onEach(handler: (onTime: boolean) => void) {
        const record = onWake;
        onWake = (onTime) => {
          record(onTime);
          handler(onTime);
        };
      },
    };
  }

  it("wakes at or after each due time, set again from inside its own wake-up", async () => {
    const pacer = new Pacer();
    const { alarm, wakes, woken, onEach } = recorder();
    try {
      const start = now();
      const dues = [2, 4, 4.5, 9, 15].map((offset) => start + offset);
      let k = 0;
      const done = new Promise<void>((resolve) => {
        onEach(() => {
          k += 1;
          if (k < dues.length) pacer.setAlarm(alarm, dues[k]!);
          else resolve();
        });
      });
      void woken();
      pacer.setAlarm(alarm, dues[0]!);
      expect(alarm.pending).toBe(true);
      await done;
      expect(wakes.map((w) => w.onTime)).toEqual([true, true, true, true, true]);
      for (const [i, wake] of wakes.entries()) expect(wake.at).toBeGreaterThanOrEqual(dues[i]!);
      expect(alarm.pending).toBe(false);
    } finally {
      pacer.close();
    }
  });

  it("wakes alarms in due order, with promise waits in the same heap", async () => {
    const pacer = new Pacer();
    try {
      const start = now();
      const order: string[] = [];
      const alarm = (name: string) =>
        new PacedAlarm(() => {
          order.push(name);
        });
      pacer.setAlarm(alarm("c"), start + 6);
      const wait = pacer.waitUntil(start + 3).promise;
      pacer.setAlarm(alarm("a"), start + 1);
      pacer.setAlarm(alarm("b"), start + 3);
      expect(await wait).toBe(true);
      expect(now()).toBeGreaterThanOrEqual(start + 3);
      expect(await pacer.waitUntil(start + 7).promise).toBe(true);
      // Woken in one callback or several, alarms keep their due order (same time: first set first).
      expect(order).toEqual(["a", "b", "c"]);
    } finally {
      pacer.close();
    }
  });

  it("alarms due at one instant wake in the order set, with one set from inside for it too", async () => {
    const pacer = new Pacer();
    try {
      const due = now() + 3;
      const order: string[] = [];
      const late = new PacedAlarm(() => order.push("late"));
      const alarms = ["a", "b", "c"].map(
        (name) =>
          new PacedAlarm(() => {
            order.push(name);
            // An instant already past: woken in this same pass, after the rest of its instant.
            if (name === "b") pacer.setAlarm(late, due);
          }),
      );
      const cancelled = new PacedAlarm(() => order.push("cancelled"));
      pacer.setAlarm(alarms[2]!, due);
      pacer.setAlarm(cancelled, due);
      pacer.setAlarm(alarms[0]!, due);
      pacer.setAlarm(alarms[1]!, due);
      pacer.cancel(cancelled);
      expect(await pacer.waitUntil(due).promise).toBe(true);
      expect(order).toEqual(["cancelled", "c", "a", "b", "late"]);
      expect(now()).toBeGreaterThanOrEqual(due);
      // The instant's emptied bucket, reused, serves a later one.
      const next = now() + 2;
      pacer.setAlarm(alarms[0]!, next);
      expect(await pacer.waitUntil(next).promise).toBe(true);
      expect(order.at(-1)).toBe("a");
    } finally {
      pacer.close();
    }
  });

  it("cancelled, it wakes at once with false and cannot be set again", async () => {
    const pacer = new Pacer();
    const { alarm, wakes } = recorder();
    try {
      pacer.setAlarm(alarm, now() + 60_000);
      expect(() => pacer.setAlarm(alarm, now() + 1)).toThrow(/pending/);
      pacer.cancel(alarm);
      expect(wakes.map((w) => w.onTime)).toEqual([false]);
      expect(alarm.pending).toBe(false);
      expect(() => pacer.setAlarm(alarm, now() + 1)).toThrow(/after cancel/);
      pacer.cancel(alarm); // a no-op
      expect(wakes).toHaveLength(1);
      // Its cancelled entry, still in the heap, does not hold up the waits behind it.
      expect(await pacer.waitUntil(now() + 2).promise).toBe(true);
    } finally {
      pacer.close();
    }
  });

  it("close() wakes a pending alarm with false; on a closed pacer one wakes with false at once", () => {
    const pacer = new Pacer();
    const pending = recorder();
    pacer.setAlarm(pending.alarm, now() + 60_000);
    pacer.close();
    expect(pending.wakes.map((w) => w.onTime)).toEqual([false]);
    const late = recorder();
    pacer.setAlarm(late.alarm, now() + 1);
    expect(late.wakes.map((w) => w.onTime)).toEqual([false]);
  });

  it("an alarm that throws does not leave the wake-ups after it unserved", async () => {
    const pacer = new Pacer();
    const thrown: unknown[] = [];
    const onUncaught = (error: unknown) => thrown.push(error);
    process.prependListener("uncaughtException", onUncaught);
    try {
      const start = now();
      pacer.setAlarm(
        new PacedAlarm(() => {
          throw new Error("broken alarm");
        }),
        start + 1,
      );
      expect(await pacer.waitUntil(start + 1).promise).toBe(true);
      await new Promise((resolve) => setImmediate(resolve));
      expect(thrown).toEqual([expect.objectContaining({ message: "broken alarm" })]);
    } finally {
      process.off("uncaughtException", onUncaught);
      pacer.close();
    }
  });
});

describe("Pacer's helper thread", () => {
  /**
   * `streams` alarms, each set again every `intervalMs` from inside its wake-up until it has woken
   * `wakes` times, due on whole milliseconds as fakes/pacing.ts puts them. Set up one a loop turn,
   * each turn busy for `setUpMs` and waking what is due first, as the fake sets up a herd
   * (set-up-queue.ts, Pacer.catchUp).
   */
  async function pace(
    pacer: Pacer,
    streams: number,
    intervalMs: number,
    wakes: number,
    setUpMs: number,
    until?: () => boolean,
  ) {
    const ended: Promise<void>[] = [];
    for (let i = 0; i < streams; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      pacer.catchUp();
      const busyUntil = now() + setUpMs;
      while (now() < busyUntil) {}
      let due = Math.ceil(now()) + intervalMs;
      let left = wakes;
      ended.push(
        new Promise<void>((resolve) => {
          const alarm = new PacedAlarm(() => {
            left -= 1;
            if (left === 0 || until?.()) return resolve();
            due += intervalMs;
            pacer.setAlarm(alarm, due);
          });
          pacer.setAlarm(alarm, due);
        }),
      );
    }
    await Promise.all(ended);
  }

  it("never starts for a herd paced densely, from its busy set-up to its last wake-up", async () => {
    const pacer = new Pacer();
    try {
      // 500 streams a wake-up every 100 ms, set up over ~150 ms: due on most milliseconds.
      await pace(pacer, 500, 100, 12, 0.3);
      expect(pacer.helperStarted).toBe(false);
    } finally {
      pacer.close();
    }
  });

  it("starts once a few streams have been paced sparsely for a second", async () => {
    const pacer = new Pacer();
    try {
      // Two streams every 50 ms: ~40 due times a second. Ten windows of 100 ms or more are needed,
      // each closed by a wake-up, so up to 3 s of them are offered; each stream stops once it started.
      const start = now();
      await pace(pacer, 2, 50, 60, 0, () => pacer.helperStarted);
      expect(pacer.helperStarted).toBe(true);
      expect(now() - start).toBeGreaterThanOrEqual(1_000);
    } finally {
      pacer.close();
    }
  });
});

describe("followingDues", () => {
  /** A min-heap by due, built the way the pacer builds its own (sift up on push). */
  function heapOf(dues: number[], settledEvery = 0) {
    const heap: { due: number; settled: boolean }[] = [];
    dues.forEach((due, n) => {
      let i = heap.length;
      heap.push({ due, settled: settledEvery > 0 && n % settledEvery === 0 });
      const item = heap[i]!;
      while (i > 0 && heap[(i - 1) >> 1]!.due > item.due) {
        heap[i] = heap[(i - 1) >> 1]!;
        i = (i - 1) >> 1;
      }
      heap[i] = item;
    });
    return heap;
  }
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };

  it("gives the next few due times after the top, ascending, from any heap of live waits", () => {
    for (const size of [0, 1, 2, 3, 5, 8, 15, 16, 17, 100, 300]) {
      for (let trial = 0; trial < 20; trial++) {
        const heap = heapOf(Array.from({ length: size }, () => Math.round(random() * 1000) / 10));
        for (const count of [1, 3, 7]) {
          const expected = heap
            .slice(1)
            .map((w) => w.due)
            .sort((a, b) => a - b)
            .slice(0, count);
          expect(followingDues(heap, count)).toEqual(expected);
        }
      }
    }
  });

  it("skips settled waits, and asks for nothing when asked for none", () => {
    const heap = heapOf([5, 1, 9, 3, 7, 2, 8], 2);
    const live = heap.slice(1).filter((w) => !w.settled);
    expect(followingDues(heap, 7)).toEqual(live.map((w) => w.due).sort((a, b) => a - b));
    expect(followingDues(heap, 0)).toEqual([]);
  });

  it("answers in the array it is given, emptied first, as the pacer reuses one", () => {
    const into = [99, 98, 97, 96, 95, 94, 93, 92];
    const heap = heapOf([4, 8, 6, 2]);
    expect(followingDues(heap, 7, into)).toBe(into);
    expect(into).toEqual([4, 6, 8]);
    expect(followingDues(heapOf([1]), 7, into)).toEqual([]);
    expect(followingDues(heap, 0, [5])).toEqual([]);
  });
});
