import type { EdgeProfile } from "../../edge.ts";
import { caddySite } from "./site.ts";

/** `flush_interval -1`: flush after every write whatever the content type or framing. */
export const caddySseTuned: EdgeProfile = {
  name: "sse-tuned",
  description: "reverse_proxy with flush_interval -1",
  template: caddySite(["flush_interval -1"]),
};
