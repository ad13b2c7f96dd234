import { z } from "zod";
import type { ProviderStream } from "../types.ts";
import { defineFault } from "./fault.ts";

/**
 * The last event lacks its blank line (fault mode 8). The SSE spec and eventsource-parser drop
 * such an event at end of stream, so a final `data: [DONE]` sent this way is lost.
 */
export const unterminatedFinalEvent = defineFault({
  name: "unterminated-final-event",
  summary: "send the final event without its terminating blank line (NDJSON: without its newline)",
  params: z.strictObject({}),
  defaultPhase: "after-terminator",
  phases: ["after-terminator"],
  positional: false,
  transform(_params, plan) {
    const last = plan.at(-1);
    if (!last) return plan;
    const render = (stream: ProviderStream) => {
      const text = last.render(stream);
      if (text.endsWith("\r\n\r\n")) return text.slice(0, -2);
      if (text.endsWith("\n\n") || text.endsWith("\r\r")) return text.slice(0, -1);
      if (text.endsWith("\n")) return text.slice(0, -1);
      return text;
    };
    return [...plan.slice(0, -1), { ...last, render }];
  },
});
