/**
 * One time base for every observation: milliseconds since the Unix epoch with sub-millisecond
 * precision, monotonic within a process (performance.now() never goes back). Probe reads, fake
 * journal events and log lines all use it, so a check can subtract one from another.
 */
export function now(): number {
  return TIME_ORIGIN + performance.now();
}

// Read once: the getter allocates on every call, and now() runs for every byte the fakes and the
// probe journal (a paced fake calls it ~10^5 times a second).
const TIME_ORIGIN = performance.timeOrigin;

/** Resolves after `ms`; rejects with the signal's reason if aborted first. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
