import { now } from "../../../lib/clock.ts";
import { INTERRUPTED } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/**
 * Slices each chunk into writes of about `average_size` ± `size_variation` bytes with `delay` µs
 * between them, as a real network splits a response into segments.
 */
export const slicer = registerToxic({
  type: "slicer",
  goStruct: "SlicerToxic",
  attributes: [
    ["average_size", "int"],
    ["size_variation", "int"],
    ["delay", "int"],
  ],
  async pipe(stub, { average_size, size_variation, delay }) {
    // Timers tick in ms while delay is in µs: pace against a schedule so the average holds.
    let due = now();
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      const cuts = sliceOffsets(chunk.data.length, average_size, size_variation);
      due = Math.max(due, now());
      for (let i = 1; i < cuts.length; i++) {
        const end = cuts[i] ?? chunk.data.length;
        await stub.send({ data: chunk.data.subarray(cuts[i - 1], end), at: chunk.at });
        due += delay / 1000;
        if (!(await stub.sleep(due - now()))) {
          if (end < chunk.data.length) stub.forward({ data: chunk.data.subarray(end), at: chunk.at });
          return;
        }
      }
    }
  },
});

/** Cut points 0 = c0 < c1 < ... < cn = size, splitting roughly in halves until pieces are small enough. */
export function sliceOffsets(size: number, averageSize: number, sizeVariation: number): number[] {
  const variation = Math.max(0, sizeVariation);
  const cuts: number[] = [0];
  const pending: Array<[number, number]> = [[0, size]];
  while (pending.length > 0) {
    const [start, end] = pending.pop()!;
    if (end - start - averageSize <= variation || end - start < 2) {
      cuts.push(end);
      continue;
    }
    const shift = variation > 0 ? Math.floor(Math.random() * 2 * variation) - variation : 0;
    const mid = Math.min(end - 1, Math.max(start + 1, start + Math.floor((end - start) / 2) + shift));
    // Right half first on the stack so the left one is cut (and emitted) first.
    pending.push([mid, end], [start, mid]);
  }
  return cuts;
}
