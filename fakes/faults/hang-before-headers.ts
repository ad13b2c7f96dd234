import { z } from "zod";
import { defineFault } from "./fault.ts";

/** A provider that accepted the connection and says nothing: the SUT's header timeout is on trial. */
export const hangBeforeHeaders = defineFault({
  name: "hang-before-headers",
  summary: "send nothing before headers: forever (until the client leaves) or for `ms`, then answer",
  params: z.strictObject({ ms: z.number().int().nonnegative().optional() }),
  defaultPhase: "pre-stream",
  phases: ["pre-stream"],
  positional: false,
  async fire(params, control) {
    if (params.ms === undefined) {
      await control.sleep(Number.POSITIVE_INFINITY);
      return "done";
    }
    return (await control.sleep(params.ms)) ? "continue" : "done";
  },
});
