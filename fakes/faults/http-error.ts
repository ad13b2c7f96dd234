import { z } from "zod";
import { defineFault } from "./fault.ts";

/**
 * The provider's own pre-stream error: its status, its body shape, and the retry headers the
 * Stainless SDKs obey (`retry-after-ms`, then `retry-after`, and `x-should-retry`; A1).
 */
export const httpError = defineFault({
  name: "http-error",
  summary: "answer with an HTTP error status and the provider's error body before any stream byte",
  params: z.strictObject({
    status: z.number().int().min(400, "must be a 4xx or 5xx status").max(599, "must be a 4xx or 5xx status"),
    message: z.string().optional(),
    errorType: z.string().optional(),
    retryAfter: z.union([z.number().nonnegative(), z.string()]).optional(),
    retryAfterMs: z.number().nonnegative().optional(),
    shouldRetry: z.boolean().optional(),
  }),
  defaultPhase: "pre-stream",
  phases: ["pre-stream"],
  positional: false,
  async fire(params, control) {
    const headers: Record<string, string> = {};
    if (params.retryAfter !== undefined) headers["retry-after"] = String(params.retryAfter);
    if (params.retryAfterMs !== undefined) headers["retry-after-ms"] = String(params.retryAfterMs);
    if (params.shouldRetry !== undefined) headers["x-should-retry"] = String(params.shouldRetry);
    const spec = { status: params.status, message: params.message, errorType: params.errorType };
    await control.respond(control.stream.httpError(spec), headers);
    return "done";
  },
});
