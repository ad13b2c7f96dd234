import { caddyProfile } from "./site.ts";

/**
 * Plain `reverse_proxy`. Caddy already flushes every write for text/event-stream and for bodies with
 * no Content-Length (wire-formats.md B2), so SSE streams; a text/plain body with a Content-Length is
 * held. No read or response-header timeout: Caddy never cuts a silent stream.
 */
export const caddyDefault = caddyProfile(
  "default",
  "reverse_proxy with Caddy's defaults (auto-flush for SSE and chunked, no read timeout)",
  [],
);
