import { describe, expect, it } from "vitest";
import { now } from "./clock.ts";
import { PreciseTimer } from "./precise-timer.ts";

function fired(timer: (onFire: () => void) => PreciseTimer): {
  timer: PreciseTimer;
  next: () => Promise<number>;
} {
  let wake: ((t: number) => void) | undefined;
  const instance = timer(() => wake?.(now()));
  return {
    timer: instance,
    next: () =>
      new Promise<number>((resolve) => {
        wake = resolve;
      }),
  };
}

describe("PreciseTimer", () => {
  it("fires once, not before the time it was armed for", async () => {
    const { timer, next } = fired((onFire) => new PreciseTimer(onFire));
    try {
      for (const delayMs of [0, 3, 7.5]) {
        const at = now() + delayMs;
        const firing = next();
        timer.arm(at);
        const firedAt = await firing;
        expect(firedAt).toBeGreaterThanOrEqual(at);
        // Disarmed after firing, so the other path (helper or fallback) cannot fire it again.
        expect(timer.armedFor).toBe(Number.POSITIVE_INFINITY);
      }
    } finally {
      timer.close();
    }
  });

  it("re-arming replaces the earlier time instead of adding a second firing", async () => {
    let count = 0;
    let resolveFired: (() => void) | undefined;
    const timer = new PreciseTimer(() => {
      count += 1;
      resolveFired?.();
    });
    try {
      const firing = new Promise<void>((resolve) => {
        resolveFired = resolve;
      });
      timer.arm(now() + 5);
      const later = now() + 20;
      timer.arm(later);
      await firing;
      expect(now()).toBeGreaterThanOrEqual(later);
      // Node runs timers in expiry order: by this one, the 5 ms arming's fallback has had its turn.
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(count).toBe(1);
    } finally {
      timer.close();
    }
  });

  it("never fires after close() or when disarmed with Infinity", async () => {
    let count = 0;
    const timer = new PreciseTimer(() => {
      count += 1;
    });
    timer.arm(now() + 2);
    timer.arm(Number.POSITIVE_INFINITY);
    const closed = new PreciseTimer(() => {
      count += 1;
    });
    closed.arm(now() + 2);
    closed.close();
    closed.arm(now() + 1);
    await new Promise((resolve) => setTimeout(resolve, 25));
    timer.close();
    expect(count).toBe(0);
  });
});
