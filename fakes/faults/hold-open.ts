import { z } from "zod";
import { defineFault } from "./fault.ts";

/** The terminator was sent but the body never ends: a SUT waiting for EOF instead of [DONE] hangs. */
export const holdOpen = defineFault({
  name: "hold-open",
  summary: "keep the response open after the terminator: until the client leaves, or for `ms`",
  params: z.strictObject({ ms: z.number().int().nonnegative().optional() }),
  defaultPhase: "after-terminator",
  phases: ["after-terminator"],
  positional: false,
  async fire(params, control) {
    return (await control.sleep(params.ms ?? Number.POSITIVE_INFINITY)) ? "continue" : "done";
  },
});
