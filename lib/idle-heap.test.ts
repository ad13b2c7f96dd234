import { getHeapSpaceStatistics } from "node:v8";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  allocateYoungGarbage,
  IdleHeapHold,
  KEEP_YOUNG_BYTES_PER_S,
  KEEP_YOUNG_EVERY_MS,
  KEEP_YOUNG_FOR_MS,
} from "./idle-heap.ts";

function recorded() {
  const flags: string[] = [];
  const allocated: number[] = [];
  const hold = new IdleHeapHold({
    setFlags: (f) => flags.push(f),
    allocate: (bytes) => allocated.push(bytes),
  });
  return { flags, allocated, hold };
}

describe("IdleHeapHold", () => {
  it("leaves V8 alone until the first burst ends, then holds incremental marking off while idle", () => {
    const { flags, hold } = recorded();
    hold.busyChanged(true);
    expect(flags).toEqual([]);
    hold.busyChanged(false);
    expect(flags).toEqual(["--no-incremental-marking"]);
    expect(hold.holding).toBe(true);
    hold.busyChanged(true);
    expect(flags).toEqual(["--no-incremental-marking", "--incremental-marking"]);
    expect(hold.holding).toBe(false);
  });

  it("sets each flag once however often the same state is reported", () => {
    const { flags, hold } = recorded();
    for (const busy of [true, true, false, false, true, true]) hold.busyChanged(busy);
    expect(flags).toEqual(["--no-incremental-marking", "--incremental-marking"]);
  });

  it("gives incremental marking back when disposed while holding, and does nothing afterwards", () => {
    const { flags, hold } = recorded();
    hold.busyChanged(true);
    hold.busyChanged(false);
    hold[Symbol.dispose]();
    expect(flags).toEqual(["--no-incremental-marking", "--incremental-marking"]);
    hold.busyChanged(false);
    hold.busyChanged(true);
    expect(flags).toHaveLength(2);
    expect(hold.holding).toBe(false);
  });

  it("disposed while serving, sets nothing", () => {
    const { flags, hold } = recorded();
    hold.busyChanged(true);
    hold[Symbol.dispose]();
    expect(flags).toEqual([]);
  });

  it("switches V8's real flag without throwing (Node keeps flags settable after start-up)", () => {
    using hold = new IdleHeapHold();
    hold.busyChanged(true);
    hold.busyChanged(false);
    expect(hold.holding).toBe(true);
  });
});

describe("IdleHeapHold keeping the young generation", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const perTick = (KEEP_YOUNG_BYTES_PER_S * KEEP_YOUNG_EVERY_MS) / 1000;

  it("allocates nothing before the first burst ends, then twice V8's low rate while idle", () => {
    const { allocated, hold } = recorded();
    vi.advanceTimersByTime(10 * KEEP_YOUNG_EVERY_MS);
    expect(allocated).toEqual([]);
    expect(hold.keepingYoung).toBe(false);
    hold.busyChanged(true);
    hold.busyChanged(false);
    vi.advanceTimersByTime(10_000);
    const bytes = allocated.reduce((a, b) => a + b, 0);
    // V8 shrinks the new space below 1,000 bytes/ms.
    expect(bytes / 10_000).toBeGreaterThanOrEqual(2 * 1000);
    expect(allocated.every((b) => b === perTick)).toBe(true);
  });

  it("allocates nothing while serving, and stops KEEP_YOUNG_FOR_MS after the last burst", () => {
    const { allocated, hold } = recorded();
    hold.busyChanged(true);
    hold.busyChanged(false);
    hold.busyChanged(true);
    vi.advanceTimersByTime(5 * KEEP_YOUNG_EVERY_MS);
    expect(allocated).toEqual([]);
    hold.busyChanged(false);
    vi.advanceTimersByTime(KEEP_YOUNG_FOR_MS - 1);
    const within = allocated.length;
    expect(within).toBeGreaterThan(0);
    expect(hold.keepingYoung).toBe(true);
    vi.advanceTimersByTime(KEEP_YOUNG_EVERY_MS);
    expect(hold.keepingYoung).toBe(false);
    vi.advanceTimersByTime(10 * KEEP_YOUNG_FOR_MS);
    expect(allocated.length).toBe(within + 1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("a new idle spell restarts the count, with one timer however many requests came one at a time", () => {
    const { hold } = recorded();
    for (let i = 0; i < 100; i++) {
      hold.busyChanged(true);
      hold.busyChanged(false);
    }
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(KEEP_YOUNG_FOR_MS / 2);
    hold.busyChanged(true);
    hold.busyChanged(false);
    vi.advanceTimersByTime(KEEP_YOUNG_FOR_MS / 2 + KEEP_YOUNG_EVERY_MS);
    expect(hold.keepingYoung).toBe(true);
  });

  it("a busy spell longer than KEEP_YOUNG_FOR_MS lets the timer go, and the next idle sets it again", () => {
    const { allocated, hold } = recorded();
    hold.busyChanged(true);
    hold.busyChanged(false);
    hold.busyChanged(true);
    vi.advanceTimersByTime(KEEP_YOUNG_FOR_MS);
    expect(hold.keepingYoung).toBe(false);
    expect(allocated).toEqual([]);
    hold.busyChanged(false);
    expect(hold.keepingYoung).toBe(true);
    vi.advanceTimersByTime(KEEP_YOUNG_EVERY_MS);
    expect(allocated).toEqual([perTick]);
  });

  it("clears its timer when disposed", () => {
    const { allocated, hold } = recorded();
    hold.busyChanged(true);
    hold.busyChanged(false);
    hold[Symbol.dispose]();
    vi.advanceTimersByTime(KEEP_YOUNG_FOR_MS);
    expect(allocated).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("allocateYoungGarbage", () => {
  it("allocates in V8's new space, at least the bytes asked for", () => {
    const newSpace = () => getHeapSpaceStatistics().find((s) => s.space_name === "new_space")!;
    // A scavenge empties the new space, so the count is taken over a span that holds none: the
    // allocation asked for is smaller than the space left.
    const free = newSpace().space_available_size;
    const ask = Math.min(256 * 1024, Math.floor(free / 2));
    if (ask < 64 * 1024) throw new Error(`the new space has ${free} bytes free: too few to count in`);
    const before = newSpace().space_used_size;
    allocateYoungGarbage(ask);
    const after = newSpace().space_used_size;
    if (after < before) throw new Error("a scavenge ran during the count: it could not apply");
    expect(after - before).toBeGreaterThanOrEqual(ask);
  });
});
