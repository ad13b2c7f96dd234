import { describe, expect, it } from "vitest";
import { abortReason, unlessAborted } from "./abort.ts";

function startable() {
  let disposed = 0;
  let resolve!: (value: AsyncDisposable) => void;
  let reject!: (error: Error) => void;
  const box: AsyncDisposable = {
    [Symbol.asyncDispose]: async () => {
      disposed++;
    },
  };
  const starting = new Promise<AsyncDisposable>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { box, starting, up: () => resolve(box), fail: reject, disposed: () => disposed };
}

describe("unlessAborted", () => {
  it("gives what started when nothing aborts", async () => {
    const s = startable();
    const controller = new AbortController();
    const waiting = unlessAborted(s.starting, controller.signal);
    s.up();
    expect(await waiting).toBe(s.box);
    expect(s.disposed()).toBe(0);
  });

  it("resolves undefined at once on abort, and disposes the box once it is up", async () => {
    const s = startable();
    const controller = new AbortController();
    const waiting = unlessAborted(s.starting, controller.signal);
    controller.abort(new Error("SIGINT received"));
    expect(await waiting).toBeUndefined();
    s.up();
    await new Promise((resolve) => setImmediate(resolve));
    expect(s.disposed()).toBe(1);
  });

  it("swallows the failure of a start it abandoned", async () => {
    const s = startable();
    const controller = new AbortController();
    controller.abort();
    expect(await unlessAborted(s.starting, controller.signal)).toBeUndefined();
    s.fail(new Error("backend exited with signal SIGTERM before it became ready"));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it("passes a failure before any abort on", async () => {
    const s = startable();
    const waiting = unlessAborted(s.starting, new AbortController().signal);
    s.fail(new Error("never became ready"));
    await expect(waiting).rejects.toThrow("never became ready");
  });

  it("names the reason", () => {
    const controller = new AbortController();
    expect(abortReason(controller.signal)).toBe("stopped");
    controller.abort(new Error("SIGINT received"));
    expect(abortReason(controller.signal)).toBe("SIGINT received");
  });
});
