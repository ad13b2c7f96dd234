/**
 * Waits for something being started unless `signal` aborts first (a Ctrl-C while a backend is still
 * starting): then it resolves undefined at once, and what was being started is disposed as soon as it
 * is up, or its failure swallowed (the interrupt, not the box, is why the run stops).
 */
export async function unlessAborted<T extends AsyncDisposable>(
  starting: Promise<T>,
  signal: AbortSignal | undefined,
): Promise<T | undefined> {
  const abandon = () => {
    starting.then(
      (started) => Promise.resolve(started[Symbol.asyncDispose]()).catch(() => {}),
      () => {},
    );
    return undefined;
  };
  if (!signal) return starting;
  if (signal.aborted) return abandon();
  let onAbort = () => {};
  const aborted = new Promise<"aborted">((resolve) => {
    onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    const winner = await Promise.race([starting, aborted]);
    return winner === "aborted" ? abandon() : winner;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** "SIGINT received", or whatever the signal was aborted with, for "interrupted: …" messages. */
export function abortReason(signal: AbortSignal | undefined): string {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? "stopped" : String(reason);
}
