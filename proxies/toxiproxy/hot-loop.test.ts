import { describe, expect, it } from "vitest";
import { HotLoop } from "./hot-loop.ts";
import { startToxiproxyServer } from "./server.ts";

/** Turns the event loop until the loop stops spinning, or a generous bound for a busy machine. */
async function turnsUntilIdle(loop: HotLoop, boundMs = 2000): Promise<void> {
  const deadline = performance.now() + boundMs;
  while (loop.spinning) {
    if (performance.now() > deadline) throw new Error(`still spinning after ${boundMs} ms`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("HotLoop", () => {
  it("keeps the loop turning after activity and stops on its own once the window passed", async () => {
    const loop = new HotLoop(1);
    const started = performance.now();
    loop.touch();
    expect(loop.spinning).toBe(true);
    // A ref'd immediate is what makes libuv poll with a zero timeout instead of sleeping.
    expect(process.getActiveResourcesInfo()).toContain("Immediate");
    await turnsUntilIdle(loop);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(process.getActiveResourcesInfo()).not.toContain("Immediate");
  });

  it("extends the window with each touch rather than stacking spinners", async () => {
    const loop = new HotLoop(2);
    loop.touch();
    const started = performance.now();
    // Touch again halfway through: the window now ends 2 ms after this second touch.
    while (performance.now() - started < 1) await new Promise((resolve) => setImmediate(resolve));
    const secondTouch = performance.now();
    loop.touch();
    await turnsUntilIdle(loop);
    expect(performance.now() - secondTouch).toBeGreaterThanOrEqual(2);
  });

  it("never spins with a window of 0 (HotLoop.off)", () => {
    HotLoop.off.touch();
    expect(HotLoop.off.spinning).toBe(false);
  });

  it("rejects a window that is negative or not a number", () => {
    expect(() => new HotLoop(-1)).toThrow(/finite number of ms >= 0, got -1/);
    expect(() => new HotLoop(Number.NaN)).toThrow(/got NaN/);
  });

  it("startToxiproxyServer says which option is unusable and what to pass instead", async () => {
    for (const hotLoopMs of [-0.5, Number.POSITIVE_INFINITY, 5000]) {
      await expect(startToxiproxyServer({ port: 0, hotLoopMs })).rejects.toMatchObject({
        code: "TOXIPROXY_BAD_OPTION",
        message: expect.stringContaining(`hotLoopMs ${hotLoopMs} is not a usable polling window`),
      });
    }
  });
});
