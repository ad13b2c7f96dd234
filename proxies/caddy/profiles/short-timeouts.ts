import type { EdgeProfile } from "../../edge.ts";
import { caddySite } from "./site.ts";

/** sse-tuned with 2 s transport timeouts, so stall scenarios end in seconds instead of never. */
export const caddyShortTimeouts: EdgeProfile = {
  name: "short-timeouts",
  description: "flush_interval -1 with transport dial/read/response_header timeouts of 2s",
  template: caddySite([
    "flush_interval -1",
    "transport http {",
    "\tdial_timeout 2s",
    "\tread_timeout 2s",
    "\tresponse_header_timeout 2s",
    "}",
  ]),
};
