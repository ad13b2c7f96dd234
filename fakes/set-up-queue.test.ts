import { describe, expect, it } from "vitest";
import { now } from "../lib/clock.ts";
import { UserError } from "../lib/errors.ts";
import { startFakeProvider } from "./server.ts";
import { ACCEPT_FIRST_MS, SetUpQueue } from "./set-up-queue.ts";
import { rawRequest } from "./testing/raw-http.ts";

/** Resolves in `queue`'s next turn for it. */
const turn = (queue: SetUpQueue) => new Promise<void>((resolve) => queue.enqueue(resolve));

describe("SetUpQueue", () => {
  it("serves callers in the order they came, one a loop turn, with the loop's other work between", async () => {
    const queue = new SetUpQueue();
    const order: string[] = [];
    const turns = ["a", "b", "c"].map((name) =>
      turn(queue).then(() => {
        order.push(name);
        // Set in a's turn: it runs on the next loop turn, before c's turn (a turn later still),
        // which it could not if every caller were let through at once.
        if (name === "a") setImmediate(() => order.push("other work"));
      }),
    );
    await Promise.all(turns);
    expect(order).toEqual(["a", "b", "other work", "c"]);
  });

  it("calls each enqueued set-up in its turn, in the order enqueued, none on the caller's turn", async () => {
    const queue = new SetUpQueue();
    const order: string[] = [];
    const done = new Promise<void>((resolve) => {
      queue.enqueue(() => order.push("a"));
      queue.enqueue(() => order.push("b"));
      queue.enqueue(() => {
        order.push("c");
        resolve();
      });
    });
    // Nothing runs on the caller's turn: the first set-up waits for the loop's next.
    expect(order).toEqual([]);
    await done;
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("starts again after running empty", async () => {
    const queue = new SetUpQueue();
    await turn(queue);
    const served: number[] = [];
    await Promise.all([1, 2].map((n) => turn(queue).then(() => served.push(n))));
    expect(served).toEqual([1, 2]);
  });

  it("leaves a turn that accepted a connection to the accept queue: the set-up waits a loop turn", async () => {
    const order: string[] = [];
    // Bounded far beyond the test: a loaded machine can take 20 ms between two loop turns.
    const queue = new SetUpQueue(60_000);
    // Set after the queue's immediate, so it runs after it in the same check phase: it comes
    // first only if the queue let that turn go.
    const sameTurn = () =>
      new Promise<void>((resolve) => setImmediate(() => resolve(void order.push("same turn"))));

    const setUp = turn(queue).then(() => order.push("set-up"));
    queue.noteAccepted();
    await Promise.all([setUp, sameTurn()]);
    expect(order).toEqual(["same turn", "set-up"]);

    // With nothing accepted, the same order the other way round.
    order.length = 0;
    const next = turn(queue).then(() => order.push("set-up"));
    await Promise.all([next, sameTurn()]);
    expect(order).toEqual(["set-up", "same turn"]);
  });

  it("does not hold a set-up back for longer than its bound while connections keep coming", async () => {
    const boundMs = 15;
    const queue = new SetUpQueue(boundMs);
    let flooding = true;
    let turnsHeld = 0;
    // A connection accepted on every loop turn, for as long as the set-up waits.
    const flood = () => {
      if (!flooding) return;
      queue.noteAccepted();
      turnsHeld++;
      setImmediate(flood);
    };
    flood();
    const asked = now();
    await turn(queue);
    const waited = now() - asked;
    flooding = false;
    expect(turnsHeld).toBeGreaterThan(1);
    // Held until the bound, and let through by it (not by the flood ending: it never did).
    expect(waited).toBeGreaterThanOrEqual(boundMs - 1);
    expect(waited).toBeLessThan(boundMs + 2_000);
  });
});

describe("a herd of requests against the fake", () => {
  it("startFakeProvider rejects an accept-first hold that is not a time, saying what to pass", async () => {
    for (const acceptFirstMs of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await startFakeProvider({ acceptFirstMs }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe("FAKE_BAD_ACCEPT_FIRST");
      expect((error as UserError).message).toContain(`acceptFirstMs ${acceptFirstMs} is not a time`);
      expect((error as UserError).message).toContain(`acceptFirstMs: ${ACCEPT_FIRST_MS}`);
    }
  });

  it("is accepted and read whole before the first set-up, so every schedule counts from its own arrival", async () => {
    const fake = await startFakeProvider({
      script: { content: { tokens: ["a", "b"] }, pacing: { firstTokenMs: 5, intervalMs: 5 } },
      // A wall-clock bound (20 ms, the default once) is passed by 30 loop turns on a loaded machine
      // (CI, Node 22: 7.6 ms late): held without a bound, only the loop turns decide the order.
      acceptFirstMs: 60_000,
    });
    await using _ = fake;
    // Opened in one tick: the kernel queues every connection at once, and libuv accepts one a
    // loop turn, so before the change the set-up on each turn held the later accepts back.
    const herd = 30;
    const responses = await Promise.all(
      Array.from({ length: herd }, () =>
        rawRequest(fake.url, { path: "/v1/chat/completions", body: { model: "gpt-4o", stream: true } }),
      ),
    );
    expect(responses.every((r) => r.complete)).toBe(true);
    const entries = fake.journal();
    expect(entries).toHaveLength(herd);
    const lastReceived = Math.max(...entries.map((e) => e.t.received));
    const firstHeaders = Math.min(...entries.map((e) => e.t.headersSent ?? Number.POSITIVE_INFINITY));
    expect(lastReceived).toBeLessThan(firstHeaders);
  });
});
