import { Wait } from "testcontainers";

/** Ports inside the boxes: fixed, since every box has its own network namespace. */
export const FAKE_PORT = 8080;
export const FAKE_ADMIN_PORT = 8081;
export const TOXIPROXY_API_PORT = 8474;
export const TOXIPROXY_FIRST_SLOT_PORT = 10_000;
export const BACKEND_PORT = 8000;
export const EDGE_PORT = 8080;

/** `streamchaos fake` serves its admin API under this prefix (fakes/admin.ts ADMIN_PREFIX). */
export const FAKE_HEALTH_PATH = "/__streamchaos/health";

/**
 * testcontainers' HTTP wait polls once per read timeout (default 1 s), which cost each box a second
 * of idle waiting; 200 ms polls find a node box ready ~1 s sooner. A container that exits fails the
 * wait at once instead of at the deadline.
 */
export function httpReady(path: string, port: number) {
  return Wait.forHttp(path, port, { abortOnContainerExit: true }).withReadTimeout(200);
}
