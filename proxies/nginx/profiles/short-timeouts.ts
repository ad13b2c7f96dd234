import { nginxProfile } from "./skeleton.ts";
import { sseTunedDirectives } from "./sse-tuned.ts";

/**
 * sse-tuned with 2 s timeouts, so stall and missing-keepalive scenarios end in seconds: the read
 * timeout runs between two reads, so a stream quiet for 2 s is cut (504 before headers, a truncated
 * chunked body after).
 */
export const nginxShortTimeouts = nginxProfile(
  "short-timeouts",
  "sse-tuned with proxy_read_timeout/proxy_send_timeout/proxy_connect_timeout 2s",
  [...sseTunedDirectives, "proxy_read_timeout 2s;", "proxy_send_timeout 2s;", "proxy_connect_timeout 2s;"],
);
