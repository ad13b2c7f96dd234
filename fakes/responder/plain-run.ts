import type { PlannedEvent } from "../types.ts";
import type { END, ResolvedStep } from "./fault-steps.ts";

/** Why a plain run (Responder#runPlain) stopped. */
export type PlainStop = "done" | "steps" | "drain" | "abort";

/** A plain run in progress: the loop's state it carries, and how it hands back. */
export class PlainRun {
  readonly at: ReadonlyMap<PlannedEvent | typeof END, ResolvedStep[]>;
  readonly base: number;
  slot: number;
  /** The event taken from the plan and waiting for its due time, if any. */
  event: PlannedEvent | undefined = undefined;
  due: number | undefined = undefined;
  drain: Promise<void> | undefined = undefined;
  /** Settles once, with why the run stopped. */
  readonly stopped: Promise<PlainStop>;
  resolve!: (stop: PlainStop) => void;
  reject!: (error: unknown) => void;

  constructor(at: PlainRun["at"], base: number, slot: number) {
    this.at = at;
    this.base = base;
    this.slot = slot;
    this.stopped = new Promise<PlainStop>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}
