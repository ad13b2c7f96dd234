import { describe, expect, it } from "vitest";
import { ByteLog } from "./byte-log.ts";

describe("ByteLog", () => {
  it("keeps segments within the budget, then counts on and keeps the last KiB", () => {
    let left = 200;
    const log = new ByteLog((bytes) => {
      if (bytes > left) return false;
      left -= bytes;
      return true;
    });
    expect(log.push(1, Buffer.from("a".repeat(100)))).toBe(true); // 100 + 32 of bookkeeping
    expect(log.push(2, Buffer.from("b".repeat(100)))).toBe(false);
    const after = Array.from({ length: 30 }, (_, i) => String(i).padStart(2, "0").repeat(25));
    for (const [i, piece] of after.entries()) log.push(3 + i, Buffer.from(piece));
    const view = log.view();
    expect(view.segments.map((s) => s.t)).toEqual([1]);
    expect(view.bytes).toBe(100 + 100 + 30 * 50);
    expect(view.truncatedAt).toBe(2);
    expect(view.lastAt).toBe(32);
    expect(view.tail!.toString()).toBe(after.join("").slice(-1024));
  });

  it("a read longer than the tail replaces it", () => {
    const log = new ByteLog(() => false);
    log.push(1, Buffer.from("x".repeat(10)));
    log.push(2, Buffer.concat([Buffer.alloc(2000, "y"), Buffer.from("END")]));
    expect(log.view().tail!.toString()).toBe(`${"y".repeat(1021)}END`);
  });

  it("a fork shares what was kept so far and never writes where the original goes on writing", () => {
    const sent = new ByteLog(() => true);
    sent.push(1, Buffer.from("one "));
    const delivered = sent.fork(() => true);
    sent.push(2, Buffer.from("two "));
    delivered.push(3, Buffer.from("TWO "));
    sent.push(4, Buffer.from("three"));
    const text = (log: ByteLog) => Buffer.concat(log.view().segments.map((s) => s.bytes)).toString();
    expect(text(sent)).toBe("one two three");
    expect(text(delivered)).toBe("one TWO ");
    expect(delivered.view().segments.map((s) => s.t)).toEqual([1, 3]);
  });

  it("keeps a copy, not the caller's buffer", () => {
    const log = new ByteLog(() => true);
    const data = Buffer.from("abc");
    log.push(1, data);
    data.write("xyz");
    expect(log.view().segments[0]!.bytes.toString()).toBe("abc");
  });

  it("reads from a time on", () => {
    const log = new ByteLog(() => true);
    log.push(1, Buffer.from("one"));
    log.push(5, Buffer.from("two"));
    const view = log.view(3);
    expect(view.segments.map((s) => s.bytes.toString())).toEqual(["two"]);
    expect(view).toMatchObject({ bytes: 3, firstAt: 5, lastAt: 5 });
  });
});
