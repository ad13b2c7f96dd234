import { z } from "zod";
import { defineFault, STREAM_PHASES } from "./fault.ts";

/**
 * Silence mid-stream, longer than a proxy's read timeout (fault mode 5), optionally filled with the
 * provider's own keepalive (`: OPENROUTER PROCESSING`, Anthropic `ping`, `: keepalive` elsewhere;
 * Ollama's NDJSON has none, so it stays silent).
 */
export const stall = defineFault({
  name: "stall",
  summary: "send nothing for `ms` (or only keepalives every `keepaliveEveryMs`), then go on",
  params: z.strictObject({
    ms: z.number().int().nonnegative(),
    keepaliveEveryMs: z.number().int().positive().optional(),
  }),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(params, control) {
    const every = params.keepaliveEveryMs;
    if (every === undefined) return (await control.sleep(params.ms)) ? "continue" : "done";
    const end = Date.now() + params.ms;
    for (;;) {
      const left = end - Date.now();
      if (left <= 0) return "continue";
      if (!(await control.sleep(Math.min(every, left)))) return "done";
      if (Date.now() >= end) return "continue";
      const keepalive = control.stream.keepalive();
      if (keepalive) await control.write(keepalive);
    }
  },
});
