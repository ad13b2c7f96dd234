import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Resolves once the response can take more bytes, or once it or its client is gone. */
export function untilDrained(res: ServerResponse, socket: Socket, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Responder#send writes a chunked body to the socket itself, whose drain http does not pass
    // on to the response (socket drain also covers http's own writes on it).
    const writable = res.chunkedEncoding ? socket : res;
    const done = () => {
      writable.off("drain", done);
      writable.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    writable.on("drain", done);
    writable.on("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Sleeps `ms` (forever if not finite); resolves false if `signal` aborts first. */
export function sleepUnlessAborted(signal: AbortSignal, ms: number): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => done(true), Math.max(0, ms)) : undefined;
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
