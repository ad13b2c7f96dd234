import { nginxProfile } from "./skeleton.ts";

/**
 * What most deployments run: nothing about streaming. nginx speaks HTTP/1.0 with `Connection: close`
 * to the upstream and buffers the response, so SSE arrives in one lump at upstream EOF, and an
 * upstream crash mid-stream is relayed as a clean end (close-delimited body, wire-formats.md B1).
 */
export const nginxDefault = nginxProfile(
  "default",
  "distribution defaults: HTTP/1.0 to the upstream, proxy_buffering on, 60s timeouts",
  [],
);
