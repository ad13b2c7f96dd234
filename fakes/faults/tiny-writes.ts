import { z } from "zod";
import { defineFault, STREAM_PHASES } from "./fault.ts";

/** One event dribbled out in many tiny writes (each its own chunk): parsers must reassemble lines. */
export const tinyWrites = defineFault({
  name: "tiny-writes",
  summary: "write the next event in pieces of `size` bytes",
  params: z.strictObject({
    size: z.number().int().positive().default(1),
    gapMs: z.number().int().nonnegative().default(0),
  }),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(params, control) {
    const size = params.size ?? 1;
    control.splitNextWrite((bytes) => {
      const pieces: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
      return pieces;
    }, params.gapMs ?? 0);
    return "continue";
  },
});
