import { nginxProfile } from "./skeleton.ts";

/** The config every SSE guide ends with: chunked HTTP/1.1 upstream, no buffering, long read timeout. */
export const sseTunedDirectives = [
  "proxy_http_version 1.1;",
  'proxy_set_header Connection "";',
  "proxy_buffering off;",
  "proxy_cache off;",
  // X-Accel-Buffering from the upstream is honoured unless proxy_ignore_headers lists it: it is not.
];

export const nginxSseTuned = nginxProfile(
  "sse-tuned",
  'proxy_http_version 1.1, Connection "", proxy_buffering off, 1h read timeout',
  [...sseTunedDirectives, "proxy_read_timeout 3600s;", "proxy_send_timeout 3600s;"],
);
