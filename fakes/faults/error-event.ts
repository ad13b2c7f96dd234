import { z } from "zod";
import { defineFault, STREAM_PHASES } from "./fault.ts";

/** The provider's own in-stream error on a 200, then a proper end (fault mode 3). */
export const errorEvent = defineFault({
  name: "error-event",
  summary: "send the provider's in-stream error event, then end the response",
  params: z.strictObject({
    errorType: z.string().optional(),
    message: z.string().optional(),
    shape: z.enum(["nested", "flat", "failed"]).optional(),
    code: z.number().int().optional(),
  }),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(params, control) {
    for (const event of control.stream.error(params)) await control.write(event);
    await control.end();
    return "done";
  },
});
