import { z } from "zod";
import { defineFault } from "./fault.ts";

/** A complete answer with no [DONE] / message_stop / response.completed, then a clean chunked end. */
export const omitTerminator = defineFault({
  name: "omit-terminator",
  summary: "leave out the provider's end-of-stream event, then end the body cleanly",
  params: z.strictObject({}),
  defaultPhase: "after-finish",
  phases: ["after-finish"],
  positional: false,
  transform: (_params, plan) => plan.filter((e) => !e.terminator),
});
