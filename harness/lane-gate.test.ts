import { describe, expect, it } from "vitest";
import { GATE, LaneGate } from "./lane-gate.ts";

/** A gate whose windows the test ends by hand, with the lag it says. */
function manualGate(min: number, max: number) {
  let tick: () => void = () => {};
  let lag = 0;
  let stopped = false;
  const gate = new LaneGate({
    min,
    max,
    lagMs: () => lag,
    every: (callback) => {
      tick = callback;
      return () => {
        stopped = true;
      };
    },
  });
  const window = (lagMs: number) => {
    lag = lagMs;
    tick();
  };
  return { gate, window, stopped: () => stopped };
}

const quiet = GATE.lowMs - 1;
const late = GATE.highMs + 1;

describe("LaneGate", () => {
  it("starts at min, grows by one per quiet window up to max, halves on a late one, never below min", () => {
    const { gate, window } = manualGate(2, 8);
    expect(gate.limit).toBe(2);
    for (let i = 0; i < 10; i++) window(quiet);
    expect(gate.limit).toBe(8);
    window(late);
    expect(gate.limit).toBe(4);
    window(late);
    window(late);
    expect(gate.limit).toBe(2);
    // Between the thresholds the limit holds.
    window((GATE.lowMs + GATE.highMs) / 2);
    expect(gate.limit).toBe(2);
  });

  it("lets `limit` lanes in, and the next one once a lane leaves or the limit grows", async () => {
    const { gate, window } = manualGate(2, 3);
    const first = await gate.enter();
    await gate.enter();
    let third = false;
    const entering = gate.enter().then((release) => {
      third = true;
      return release;
    });
    await Promise.resolve();
    expect(third).toBe(false);
    first();
    // Releasing twice frees one slot, not two.
    first();
    await entering;
    expect(third).toBe(true);
    let fourth = false;
    const more = gate.enter().then(() => {
      fourth = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(fourth).toBe(false);
    window(quiet);
    await more;
    expect(fourth).toBe(true);
  });

  it("says when more run than the limit, once a late window halved it", async () => {
    const { gate, window } = manualGate(1, 4);
    for (let i = 0; i < 3; i++) window(quiet);
    const releases = await Promise.all([gate.enter(), gate.enter(), gate.enter(), gate.enter()]);
    expect(gate.over).toBe(false);
    window(late);
    expect(gate.limit).toBe(2);
    expect(gate.over).toBe(true);
    releases[0]!();
    expect(gate.over).toBe(true);
    releases[1]!();
    expect(gate.over).toBe(false);
  });

  it("a lane holding its boxes gets a freed slot before lanes that hold none, or gives up after its wait", async () => {
    const { gate, window } = manualGate(1, 2);
    window(quiet);
    const [a, b] = [await gate.enter(), await gate.enter()];
    window(late);
    expect(gate.over).toBe(true);
    // Lane b leaves its slot and holds on; a fresh lane was already waiting for one.
    b();
    let fresh = false;
    const freshEntry = gate.enter().then((release) => {
      fresh = true;
      return release;
    });
    const held = gate.holdOn(1_000);
    window(quiet);
    const release = await held;
    expect(release).toBeTypeOf("function");
    await Promise.resolve();
    expect(fresh).toBe(false);
    // Nothing frees a slot now: a lane that holds on gives up after its wait, and stops.
    const started = performance.now();
    expect(await gate.holdOn(30)).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    a();
    await freshEntry;
    expect(fresh).toBe(true);
  });

  it("an aborted wait returns at once (the lane's scenario is then reported interrupted)", async () => {
    const { gate } = manualGate(1, 2);
    await gate.enter();
    const controller = new AbortController();
    const waiting = gate.enter(controller.signal);
    controller.abort();
    await expect(waiting).resolves.toBeTypeOf("function");
  });

  it("runs no clock when min and max agree (lanes the user asked for all run), and stops its clock when disposed", () => {
    const fixed = manualGate(4, 4);
    expect(fixed.gate.limit).toBe(4);
    const adaptive = manualGate(2, 8);
    adaptive.gate[Symbol.dispose]();
    expect(adaptive.stopped()).toBe(true);
  });
});
