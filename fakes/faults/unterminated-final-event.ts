import { z } from "zod";
import type { ProviderStream } from "../types.ts";
import { defineFault } from "./fault.ts";

/** How many bytes of the event's end are its terminating blank line (or NDJSON newline). */
function terminatorLength(text: string): number {
  if (text.endsWith("\r\n\r\n")) return 2;
  if (text.endsWith("\n\n") || text.endsWith("\r\r")) return 1;
  if (text.endsWith("\n")) return 1;
  return 0;
}

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
      const bytes = last.render(stream);
      // A replayed write is a Buffer: its last 4 bytes are ASCII when it ends an event.
      const tail = typeof bytes === "string" ? bytes.slice(-4) : bytes.subarray(-4).toString("latin1");
      const cut = terminatorLength(tail);
      if (cut === 0) return bytes;
      return typeof bytes === "string" ? bytes.slice(0, -cut) : bytes.subarray(0, bytes.length - cut);
    };
    return [...plan.slice(0, -1), { ...last, render }];
  },
});
