import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { StreamAbort } from "./stream-abort.ts";

/** Resolves once the response can take more bytes, or once it or its client is gone. */
export function untilDrained(res: ServerResponse, socket: Socket, abort: StreamAbort): Promise<void> {
  return new Promise((resolve) => {
    // Responder#send writes a chunked body to the socket itself, whose drain http does not pass
    // on to the response (socket drain also covers http's own writes on it).
    const writable = res.chunkedEncoding ? socket : res;
    const done = () => {
      writable.off("drain", done);
      writable.off("close", done);
      abort.offAbort(done);
      resolve();
    };
    writable.on("drain", done);
    writable.on("close", done);
    if (abort.aborted) done();
    else abort.onAbort(done);
  });
}

/** Sleeps `ms` (forever if not finite); resolves false if `abort` aborts first. */
export function sleepUnlessAborted(abort: StreamAbort, ms: number): Promise<boolean> {
  if (abort.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = Number.isFinite(ms) ? setTimeout(() => done(true), Math.max(0, ms)) : undefined;
    const done = (value: boolean) => {
      clearTimeout(timer);
      abort.offAbort(onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    abort.onAbort(onAbort);
  });
}
