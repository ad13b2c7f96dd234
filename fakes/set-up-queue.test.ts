import { describe, expect, it } from "vitest";
import { SetUpQueue } from "./set-up-queue.ts";

describe("SetUpQueue", () => {
  it("serves callers in the order they came, one a loop turn, with the loop's other work between", async () => {
    const queue = new SetUpQueue();
    const order: string[] = [];
    const turns = ["a", "b", "c"].map((name) =>
      queue.turn().then(() => {
        order.push(name);
        // Set in a's turn: it runs on the next loop turn, before c's turn (a turn later still),
        // which it could not if every caller were let through at once.
        if (name === "a") setImmediate(() => order.push("other work"));
      }),
    );
    await Promise.all(turns);
    expect(order).toEqual(["a", "b", "other work", "c"]);
  });

  it("starts again after running empty", async () => {
    const queue = new SetUpQueue();
    await queue.turn();
    const served: number[] = [];
    await Promise.all([1, 2].map((n) => queue.turn().then(() => served.push(n))));
    expect(served).toEqual([1, 2]);
  });
});
