import { caddyProfile } from "./site.ts";

/** `flush_interval -1`: flush after every write whatever the content type or framing. */
export const caddySseTuned = caddyProfile("sse-tuned", "reverse_proxy with flush_interval -1", [
  "flush_interval -1",
]);
