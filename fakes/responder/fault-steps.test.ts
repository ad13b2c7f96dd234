import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineFault } from "../faults/fault.ts";
import { faults } from "../faults/registry.ts";
import { Journal } from "../journal.ts";
import { seededRandom } from "../pacing.ts";
import { validateScript } from "../script.ts";
import { openTestEntry } from "../testing/journal-entry.ts";
import { openaiTestStream } from "../testing/openai-stream.ts";
import { END, FaultSteps } from "./fault-steps.ts";

const TOKENS = { content: { tokens: ["a", "b", "c"] } };

function stepsFor(json: unknown) {
  const journal = new Journal();
  const entry = openTestEntry(journal);
  const steps = new FaultSteps(validateScript(json), entry, journal);
  const stream = openaiTestStream("gpt-4o", {}, ["a", "b", "c"], seededRandom(1));
  return { steps, stream, plan: stream.plan() };
}

describe("FaultSteps.transform", () => {
  it("hands a step a copy of a plan its streams share (frozen), which the step may edit in place", () => {
    // A step of a file of its own may push into the plan it is given, as its type allows.
    faults["test-append-terminator"] = defineFault({
      name: "test-append-terminator",
      summary: "a test step that edits the plan in place",
      params: z.strictObject({}),
      defaultPhase: "after-terminator",
      phases: ["after-terminator"],
      positional: false,
      transform(_params, plan) {
        plan.push(plan.at(-1)!);
        return plan;
      },
    }) as unknown as (typeof faults)[string];
    try {
      const { steps, stream, plan } = stepsFor({ ...TOKENS, faults: [{ fault: "test-append-terminator" }] });
      expect(Object.isFrozen(plan)).toBe(true);
      const length = plan.length;
      const transformed = steps.transform(plan, stream);
      expect(transformed).not.toBe(plan);
      expect(transformed).toHaveLength(length + 1);
      // The shared plan, as the stream (and the next of its script) gets it, is as it was.
      expect(stream.plan()).toBe(plan);
      expect(plan).toHaveLength(length);
    } finally {
      delete faults["test-append-terminator"];
    }
  });
});

describe("FaultSteps.place", () => {
  it("gives every stream of a script without steps the same empty places, and nothing to fire first", () => {
    const one = stepsFor(TOKENS);
    const two = stepsFor({ ...TOKENS, faults: [] });
    const places = one.steps.place(one.plan, one.stream);
    expect(two.steps.place(two.plan, two.stream)).toBe(places);
    expect(places.at.size).toBe(0);
    expect(places.byteSteps).toEqual([]);
    expect(one.steps.preStream()).toEqual([]);
  });

  it("places a script's steps in places of the stream's own, leaving the shared empty ones empty", () => {
    const empty = stepsFor(TOKENS);
    const shared = empty.steps.place(empty.plan, empty.stream);
    const faulted = stepsFor({
      ...TOKENS,
      faults: [
        { fault: "rst", at: { phase: "mid-stream" } },
        { fault: "fin", at: { byte: 40 } },
        { fault: "hang-before-headers", ms: 5 },
      ],
    });
    const places = faulted.steps.place(faulted.plan, faulted.stream);
    expect(places).not.toBe(shared);
    const finish = faulted.plan.find((e) => e.finish)!;
    expect(places.at.get(finish)?.map((s) => s.definition.name)).toEqual(["rst"]);
    expect(places.at.has(END)).toBe(false);
    expect(places.byteSteps.map((s) => [s.definition.name, s.byte])).toEqual([["fin", 40]]);
    expect(faulted.steps.preStream().map((s) => s.definition.name)).toEqual(["hang-before-headers"]);
    expect(shared.at.size).toBe(0);
    expect(shared.byteSteps).toEqual([]);
  });
});
