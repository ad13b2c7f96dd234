import { z } from "zod";
import { defineFault, STREAM_PHASES } from "./fault.ts";

/** A properly framed event whose JSON is cut short; the stream then goes on. */
export const malformedJson = defineFault({
  name: "malformed-json",
  summary: "write one event with broken JSON, then continue",
  params: z.strictObject({}),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(_params, control) {
    await control.write(control.stream.malformed());
    return "continue";
  },
});
