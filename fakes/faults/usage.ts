import { z } from "zod";
import type { PlannedEvent } from "../types.ts";
import { defineFault } from "./fault.ts";

/**
 * The accounting part of a stream going wrong after the answer is complete (the incidents'
 * "accounting code failing after a 200 was sent").
 */

/** The usage chunk is replaced by the provider's in-stream error; the terminator still follows. */
export const usageError = defineFault({
  name: "usage-error",
  summary: "replace the usage chunk (or, without one, insert after the finish) with an in-stream error",
  params: z.strictObject({ message: z.string().optional(), errorType: z.string().optional() }),
  defaultPhase: "after-finish",
  phases: ["after-finish"],
  positional: false,
  transform(params, plan, stream) {
    const error = stream.error({
      message: params.message ?? "Failed to compute usage",
      errorType: params.errorType,
    });
    const usageAt = plan.findIndex((e) => e.kind === "usage");
    if (usageAt >= 0) return [...plan.slice(0, usageAt), ...error, ...plan.slice(usageAt + 1)];
    const finishAt = lastIndex(plan, (e) => e.finish === true && e.terminator !== true);
    const at = finishAt >= 0 ? finishAt + 1 : lastIndex(plan, (e) => e.terminator === true);
    const cut = at >= 0 ? at : plan.length;
    return [...plan.slice(0, cut), ...error, ...plan.slice(cut)];
  },
});

/** No usage anywhere: no usage chunk even if asked, no usage block in the finish or final event. */
export const omitUsage = defineFault({
  name: "omit-usage",
  summary: "leave the usage out of the answer",
  params: z.strictObject({}),
  defaultPhase: "after-finish",
  phases: ["after-finish"],
  positional: false,
  configure(_params, ctx) {
    ctx.omitUsage = true;
  },
});

function lastIndex(plan: PlannedEvent[], test: (e: PlannedEvent) => boolean): number {
  for (let i = plan.length - 1; i >= 0; i--) if (test(plan[i]!)) return i;
  return -1;
}
