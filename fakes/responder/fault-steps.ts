import { now } from "../../lib/clock.ts";
import type { FaultDefinition, FireResult, Placement, StreamControl } from "../faults/fault.ts";
import { faults } from "../faults/registry.ts";
import type { Journal, LiveEntry } from "../journal.ts";
import { type FaultStep, placementLabel, placementOf, type Script } from "../script.ts";
import type { PlannedEvent, ProviderStream, RenderContext } from "../types.ts";
import { ReplayStream, recordedEnding } from "./replay-stream.ts";

/** A step resolved against its definition, with its own parameters parsed (defaults applied). */
export interface ResolvedStep {
  definition: FaultDefinition;
  params: object;
  placement: Placement;
  label: string;
}

/** A step placed after `byte` body bytes: the event that crosses it is cut there. */
export type ByteStep = ResolvedStep & { byte: number };

/** Where steps placed after the last planned event are kept. */
export const END = Symbol("end");
/** Most events have no step before them: one shared empty list, not a new one per event. */
export const NO_STEPS: readonly ResolvedStep[] = [];

/** The steps a stream fires once its headers are out, by where they fire. */
export interface StepPlaces {
  /** Before a planned event (the event itself is the key), or at the END. */
  at: Map<PlannedEvent | typeof END, ResolvedStep[]>;
  /** In byte order. */
  byteSteps: ByteStep[];
}

/**
 * Where the steps of a script with none go: shared by every such stream, as the responder only
 * takes from `at` and `byteSteps` while they hold something. A map, an array and the object per
 * stream had lived as long as the stream, for the scavenger to copy in every herd of requests.
 */
export const NO_PLACES: StepPlaces = { at: new Map(), byteSteps: [] };

function resolveStep(step: FaultStep): ResolvedStep {
  const definition = faults[step.fault]!;
  const { fault: _f, at: _a, ...raw } = step;
  const placement = placementOf(step);
  return { definition, params: definition.params.parse(raw), placement, label: placementLabel(placement) };
}

/** Where a plan's phases fall, for placing steps on it. */
class PlanMarks {
  readonly #plan: readonly PlannedEvent[];
  /** Before the first finish event, or after the last content one. */
  readonly mid: number;
  readonly lastFinish: number;
  /** Only for token placements: a slot per token of the answer, for as long as placing takes. */
  #contentIndexes: number[] | undefined;

  constructor(plan: readonly PlannedEvent[]) {
    this.#plan = plan;
    const firstFinish = plan.findIndex((e) => e.finish);
    this.lastFinish = plan.findLastIndex((e) => e.finish);
    this.mid = firstFinish >= 0 ? firstFinish : plan.findLastIndex((e) => e.kind === "content") + 1;
  }

  /** The plan index of the `token`-th content event, if there is one. */
  contentIndex(token: number): number | undefined {
    this.#contentIndexes ??= this.#plan.flatMap((e, i) => (e.kind === "content" ? [i] : []));
    return this.#contentIndexes[token];
  }
}

function isPreStream(placement: Placement): boolean {
  return "phase" in placement && placement.phase === "pre-stream";
}

/**
 * `plan`, or a copy of it when it is shared: a frozen plan is every stream's of its script
 * (ProviderStream.plan), and an edit must reach this stream's only.
 */
export function ownPlan(plan: PlannedEvent[]): PlannedEvent[] {
  return Object.isFrozen(plan) ? [...plan] : plan;
}

/**
 * The fault steps of one response: resolved once from its script, each given its say over the
 * render context and the plan, placed on the plan, and journaled as it fires.
 */
export class FaultSteps {
  readonly #steps: readonly ResolvedStep[];
  /** The script's own steps, then the one a replay ends with when its recording was cut (a FIN, a RST). */
  readonly #all: readonly ResolvedStep[];
  readonly #entry: LiveEntry;
  readonly #journal: Journal;

  constructor(script: Script, entry: LiveEntry, journal: Journal) {
    const steps = script.faults ?? [];
    this.#steps = steps.length === 0 ? NO_STEPS : steps.map(resolveStep);
    const ending = recordedEnding(script);
    this.#all = ending ? [...this.#steps, { ...resolveStep(ending.step), label: ending.label }] : this.#steps;
    this.#entry = entry;
    this.#journal = journal;
  }

  /** Lets each step reshape the answer before the codec opens its stream. */
  configure(ctx: RenderContext): void {
    for (const step of this.#steps) step.definition.configure?.(step.params, ctx);
  }

  /** Whether no step of the script may cut or extend the body: only pre-stream ones fire. */
  keepsBodyLength(): boolean {
    return this.#steps.every((s) => !s.definition.fire || isPreStream(s.placement));
  }

  /** Lets each step with a transform edit the plan, and journals it as fired. */
  transform(plan: PlannedEvent[], stream: ProviderStream): PlannedEvent[] {
    for (const step of this.#steps) {
      if (!step.definition.transform) continue;
      // A step defined in a file of its own may edit the plan it is given in place, as its type
      // allows: a shared plan reaches it as this stream's own copy.
      plan = step.definition.transform(step.params, ownPlan(plan), stream);
      this.#fired(step, now());
    }
    return plan;
  }

  /** The steps that fire before the headers, in script order. */
  preStream(): readonly ResolvedStep[] {
    if (this.#steps.length === 0) return NO_STEPS;
    return this.#steps.filter((step) => isPreStream(step.placement));
  }

  /**
   * Where each step that fires once the headers are out goes on `plan`: before a given planned
   * event (by identity, so events a step inserts do not shift the others), or at the END. On a
   * replay (`stream`), events, tokens, times and phases are the recording's, placed by its bytes
   * and time markers. The plan is searched only for a step to place: most streams have none, and
   * a plan holds every token of the answer.
   */
  place(plan: PlannedEvent[], stream?: ProviderStream): StepPlaces {
    if (this.#all.length === 0) return NO_PLACES;
    const replay = stream instanceof ReplayStream ? stream : undefined;
    const at = new Map<PlannedEvent | typeof END, ResolvedStep[]>();
    const byteSteps: ByteStep[] = [];
    let marks: PlanMarks | undefined;
    for (const step of this.#all) {
      if (!step.definition.fire) continue;
      const p = replay ? replay.locate(step.placement) : step.placement;
      if ("byte" in p) {
        byteSteps.push({ ...step, byte: p.byte });
        continue;
      }
      // Only a replay places at a time, and it located it above.
      if ("ms" in p) continue;
      marks ??= new PlanMarks(plan);
      let index: number;
      if ("after" in p) index = plan.indexOf(p.after) + 1;
      else if ("event" in p) index = p.event;
      // Past the last token, a token placement means "before the finish": the answer was whole.
      else if ("token" in p) index = marks.contentIndex(p.token) ?? marks.mid;
      else if (p.phase === "mid-stream") index = marks.mid;
      else if (p.phase === "after-finish") index = marks.lastFinish >= 0 ? marks.lastFinish + 1 : plan.length;
      else if (p.phase === "after-terminator") index = plan.length;
      else continue;
      const key = index >= plan.length ? END : plan[index]!;
      at.set(key, [...(at.get(key) ?? []), step]);
    }
    byteSteps.sort((a, b) => a.byte - b.byte);
    return { at, byteSteps };
  }

  /** Fires `step` on the live response; "done" as well once the client has left. */
  async fire(step: ResolvedStep, control: StreamControl): Promise<FireResult> {
    if (control.signal.aborted) return "done";
    // Journaled once it fired (a skipped step never did), but stamped when it began: a stall's
    // silence starts here, not when the provider resumes.
    const began = now();
    const result = await step.definition.fire!(step.params, control);
    if (result !== "skipped") this.#fired(step, began);
    return control.signal.aborted ? "done" : result;
  }

  #fired(step: ResolvedStep, t: number): void {
    this.#entry.faults.push({ fault: step.definition.name, at: step.label, t });
    this.#journal.changed();
  }
}
