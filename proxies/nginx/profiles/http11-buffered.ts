import { nginxProfile } from "./skeleton.ts";

/**
 * The half-fix: HTTP/1.1 to the upstream but buffering left on. A chunked upstream still streams
 * (nginx passes each chunk on), an upstream with Content-Length is held to the end, and an upstream
 * crash becomes a truncated body instead of a clean end (environment.md table).
 */
export const nginxHttp11Buffered = nginxProfile(
  "http11-buffered",
  'proxy_http_version 1.1 and Connection "" but proxy_buffering on',
  ["proxy_http_version 1.1;", 'proxy_set_header Connection "";'],
);
