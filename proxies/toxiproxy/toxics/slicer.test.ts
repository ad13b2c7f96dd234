import { describe, expect, it } from "vitest";
import { proxyRig } from "../test-support.ts";
import { sliceOffsets } from "./slicer.ts";

const PAYLOAD = Buffer.from(Array.from({ length: 4000 }, (_, i) => i % 251));

describe("slicer toxic", () => {
  it("delivers the data intact in many small writes", async () => {
    await using rig = await proxyRig((socket) => socket.once("data", () => socket.write(PAYLOAD)));
    await rig.addToxic({
      type: "slicer",
      attributes: { average_size: 100, size_variation: 20, delay: 5000 },
    });
    const client = await rig.client();
    client.socket.write("go");
    await client.untilBytes(PAYLOAD.length, 10_000);
    expect(client.received.equals(PAYLOAD)).toBe(true);
    // ~40 slices 5 ms apart (~200 ms): the client sees separate reads spread in time, not one
    // 4000-byte read. A busy machine may merge neighbours into one read, hence the margins.
    expect(client.chunks.length).toBeGreaterThan(4);
    const span = client.chunks.at(-1)!.at - client.chunks[0]!.at;
    expect(span).toBeGreaterThanOrEqual(50);
  });
});

describe("sliceOffsets", () => {
  it("cuts the whole range into pieces of at most average + variation", () => {
    for (const [size, average, variation] of [
      [4000, 100, 20],
      [1, 1, 0],
      [65536, 1000, 0],
      [777, 10, 5],
    ] as const) {
      const cuts = sliceOffsets(size, average, variation);
      expect(cuts[0]).toBe(0);
      expect(cuts.at(-1)).toBe(size);
      for (let i = 1; i < cuts.length; i++) {
        const piece = cuts[i]! - cuts[i - 1]!;
        expect(piece).toBeGreaterThan(0);
        expect(piece).toBeLessThanOrEqual(average + variation);
      }
    }
  });

  it("survives settings upstream panics on (zero average, negative variation)", () => {
    const cuts = sliceOffsets(10, 0, -3);
    expect(cuts).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
