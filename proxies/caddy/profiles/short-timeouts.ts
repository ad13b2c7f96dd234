import { caddyProfile } from "./site.ts";

/** sse-tuned with 2 s transport timeouts, so stall scenarios end in seconds instead of never. */
export const caddyShortTimeouts = caddyProfile(
  "short-timeouts",
  "flush_interval -1 with transport dial/read/response_header timeouts of 2s",
  [
    "flush_interval -1",
    "transport http {",
    "\tdial_timeout 2s",
    "\tread_timeout 2s",
    "\tresponse_header_timeout 2s",
    "}",
  ],
);
