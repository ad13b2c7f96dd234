import { describe, expect, it } from "vitest";
import { IdleHeapHold } from "./idle-heap.ts";

function recorded() {
  const flags: string[] = [];
  return { flags, hold: new IdleHeapHold((f) => flags.push(f)) };
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
