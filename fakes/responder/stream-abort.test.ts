import { describe, expect, it } from "vitest";
import { sleepUnlessAborted } from "./abortable-waits.ts";
import { StreamAbort } from "./stream-abort.ts";

describe("StreamAbort", () => {
  it("calls each listener once, in the order added, and none taken back", () => {
    const abort = new StreamAbort();
    const calls: string[] = [];
    const second = () => calls.push("second");
    abort.onAbort(() => calls.push("first"));
    abort.onAbort(second);
    abort.onAbort(() => calls.push("third"));
    abort.offAbort(second);
    abort.abort(new Error("client closed (fin)"));
    abort.abort(new Error("again"));
    expect(calls).toEqual(["first", "third"]);
    expect(abort.aborted).toBe(true);
    expect((abort.reason as Error).message).toBe("client closed (fin)");
    // After the abort a listener is never called: callers check `aborted` first.
    abort.onAbort(() => calls.push("late"));
    abort.abort();
    expect(calls).toEqual(["first", "third"]);
  });

  it("keeps calling the others when a listener throws, and reports the throw", async () => {
    const abort = new StreamAbort();
    const calls: string[] = [];
    const reported = new Promise<unknown>((resolve) => {
      const listeners = process.listeners("uncaughtException");
      process.removeAllListeners("uncaughtException");
      process.once("uncaughtException", (error) => {
        for (const listener of listeners) process.on("uncaughtException", listener);
        resolve(error);
      });
    });
    abort.onAbort(() => {
      throw new Error("listener broke");
    });
    abort.onAbort(() => calls.push("after"));
    abort.abort();
    expect(calls).toEqual(["after"]);
    expect(((await reported) as Error).message).toBe("listener broke");
  });

  it("hands out a real AbortSignal, made on first read, aborted with the same reason", () => {
    const before = new StreamAbort();
    const signal = before.signal;
    expect(signal).toBeInstanceOf(AbortSignal);
    expect(before.signal).toBe(signal);
    let heard: unknown;
    signal.addEventListener("abort", () => {
      heard = signal.reason;
    });
    const reason = new Error("fake provider closing");
    before.abort(reason);
    expect(signal.aborted).toBe(true);
    expect(heard).toBe(reason);

    const after = new StreamAbort();
    after.abort(reason);
    expect(after.signal.aborted).toBe(true);
    expect(after.signal.reason).toBe(reason);
  });

  it("ends a sleep early with false, and leaves no listener behind after a full one", async () => {
    const abort = new StreamAbort();
    const sleeping = sleepUnlessAborted(abort, 60_000);
    abort.abort();
    await expect(sleepUnlessAborted(abort, 60_000)).resolves.toBe(false);
    await expect(sleeping).resolves.toBe(false);

    const other = new StreamAbort();
    const calls: string[] = [];
    await expect(sleepUnlessAborted(other, 1)).resolves.toBe(true);
    other.onAbort(() => calls.push("only this one"));
    other.abort();
    expect(calls).toEqual(["only this one"]);
  });
});
