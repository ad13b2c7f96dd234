import type { Scenario } from "../scenarios/scenario.ts";
import { scriptedWaitMs } from "../scenarios/scenario.ts";
import type { EdgeConfig, ResolvedBackend } from "./config.ts";
import { sizeForBackend } from "./lane/backend-sizing.ts";
import type { ProbeClientName } from "./probe/observation.ts";

/** The scenarios of one backend behind one edge (and profile or config file) for one client: one kind of lane. */
export interface Group {
  key: string;
  backend: ResolvedBackend;
  edge: EdgeConfig;
  profile?: string;
  /** Who makes the requests; a lane has one for its whole life (its edges get its TLS material). */
  client: ProbeClientName;
  queue: Scenario[];
  skipReason?: string;
  /** The client cannot run through this edge at all (h2 through direct): its results say why. */
  notApplicableReason?: string;
  /** Lanes working on this group now. */
  activeLanes: number;
}

/**
 * What a lane's time costs beyond a scenario's scripted waits, measured with `npm run bench:harness`
 * on the 2-core machine (load average ~10): a scenario's setup, follow-up, crash window and checks;
 * moving a lane to another edge of its backend (an edge start, hop A); starting a whole lane (a
 * backend process and its readiness, an edge).
 */
export const COST_MS = { scenario: 300, edgeSwitch: 300, laneStart: 2_000 } as const;

/**
 * How many lanes a run gets when the config does not say. A lane mostly waits on scripted timers
 * (pacing, stalls, timeouts); what costs the machine is the rest: the harness's own work per scenario
 * (probe, fake, hops, checks) and the backend's. So lanes scale with how much of a lane's time is
 * waiting, not with cores: enough lanes that their work fills `machineShare` of the cores, never
 * more than `max`. `cpuMsPerScenario` is the CPU one scenario costs the harness and its backend, as
 * `npm run bench:harness` measures it ("CPU per scenario"); the share leaves room for the rest of a
 * shared CI machine and keeps the lanes' timers on time (a late timer is a wrong verdict).
 */
export const AUTO_LANES = { cpuMsPerScenario: 80, machineShare: 0.5, max: 8 } as const;

/**
 * The lane count for `groups` on `cores` cores (see AUTO_LANES): at least one, at most one per
 * scenario to run.
 */
export function autoLanes(groups: readonly Group[], cores: number): number {
  let laneMs = 0;
  let scenarios = 0;
  for (const group of groups) {
    if (group.skipReason) continue;
    for (const scenario of group.queue) laneMs += estimateMs(scenario, group.backend);
    scenarios += group.queue.length;
  }
  if (scenarios === 0) return 1;
  // The share of one core a busy lane keeps busy.
  const perLane = (scenarios * AUTO_LANES.cpuMsPerScenario) / laneMs;
  const lanes = Math.floor((Math.max(1, cores) * AUTO_LANES.machineShare) / perLane);
  return Math.max(1, Math.min(AUTO_LANES.max, scenarios, lanes));
}

/** What a scenario costs a lane, for ordering and for deciding where a free lane helps most. */
export function estimateMs(scenario: Scenario, backend: ResolvedBackend): number {
  const bound = { upstreamTimeoutMs: backend.upstreamTimeoutMs ?? 30_000 };
  return scriptedWaitMs(sizedOrAsDeclared(scenario, backend), bound) + COST_MS.scenario;
}

/** Sized for the backend as its lane will size it; as declared where it cannot be (the lane says why). */
function sizedOrAsDeclared(scenario: Scenario, backend: ResolvedBackend): Scenario {
  try {
    return sizeForBackend(scenario, backend);
  } catch {
    return scenario;
  }
}

/**
 * Whether a lane working on `from` can move to `to` by switching edges: the same backend (which keeps
 * running) and the same client (a lane's client, and the TLS material its edges get, is fixed at its
 * start). Otherwise the lane is stopped and a new one started.
 */
export function canSwitchEdge(from: Group | undefined, to: Group): boolean {
  return from !== undefined && from.backend === to.backend && from.client === to.client;
}

/**
 * Hands scenarios to lanes. A lane keeps its group while it has scenarios; then it moves where its
 * time helps most: to another edge of its own backend and client (cheap: the backend keeps running), else to
 * another backend (a new lane), and only to a group others already work on when its share of that
 * group's remaining time is worth the move. Every group is taken by some lane. Each group runs its
 * longest scenarios first (longest-processing-time-first on `estimateMs`), so the run does not end
 * with one lane waiting out a 3 s stall while the others stand idle.
 */
export class LaneSchedule {
  readonly #groups: Group[];
  readonly #remainingMs = new Map<Group, number>();
  readonly #backendLanes = new Map<ResolvedBackend, number>();

  constructor(groups: Group[]) {
    this.#groups = groups;
    for (const group of groups) {
      const cost = new Map(group.queue.map((s) => [s, estimateMs(s, group.backend)]));
      // Array.prototype.sort is stable: equal estimates keep the catalog's order.
      group.queue.sort((a, b) => cost.get(b)! - cost.get(a)!);
      this.#remainingMs.set(
        group,
        group.queue.reduce((sum, s) => sum + cost.get(s)!, 0),
      );
    }
  }

  /**
   * The next scenario for a lane now working on `current` (undefined: a lane with no boxes yet), and
   * the group it belongs to; undefined when the lane should stop. Counts the lane on the group it
   * hands out, and off `current` when that differs.
   */
  next(current: Group | undefined): { group: Group; scenario: Scenario } | undefined {
    const group = current?.queue.length ? current : this.#choose(current);
    if (!group) return undefined;
    if (group !== current) {
      this.leave(current);
      group.activeLanes++;
      this.#backendLanes.set(group.backend, (this.#backendLanes.get(group.backend) ?? 0) + 1);
    }
    const scenario = group.queue.shift()!;
    this.#remainingMs.set(group, this.#remainingMs.get(group)! - estimateMs(scenario, group.backend));
    return { group, scenario };
  }

  /** The lane stopped working on `group` (it moved, stopped, or failed). */
  leave(group: Group | undefined): void {
    if (!group) return;
    group.activeLanes--;
    this.#backendLanes.set(group.backend, this.#backendLanes.get(group.backend)! - 1);
  }

  /**
   * Where a lane helps most: the group whose remaining time, shared with the lanes on it and on its
   * backend, is largest, less what moving there costs. Among equals, the backend with the fewest
   * lanes for its remaining time, so fresh lanes spread over backends and later move between edges.
   */
  #choose(current: Group | undefined): Group | undefined {
    let best: Group | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestBackendShare = 0;
    for (const group of this.#groups) {
      if (!group.queue.length || group.skipReason) continue;
      // This lane counts on its own backend until it leaves it, whichever client it moves to.
      const own = current !== undefined && group.backend === current.backend;
      const others = (this.#backendLanes.get(group.backend) ?? 0) - (own ? 1 : 0);
      if (!own && others >= maxLanes(group.backend)) continue;
      const groupShare = this.#remainingMs.get(group)! / (group.activeLanes + 1);
      const backendShare = this.#backendRemainingMs(group.backend) / (others + 1);
      const moveCost = canSwitchEdge(current, group) ? COST_MS.edgeSwitch : COST_MS.laneStart;
      const score = Math.min(groupShare, backendShare) - moveCost;
      // A group nobody works on must be taken whatever it costs; joining others only when it pays.
      if (group.activeLanes > 0 && score <= 0) continue;
      if (score > bestScore || (score === bestScore && backendShare > bestBackendShare)) {
        best = group;
        bestScore = score;
        bestBackendShare = backendShare;
      }
    }
    return best;
  }

  #backendRemainingMs(backend: ResolvedBackend): number {
    let sum = 0;
    for (const group of this.#groups) if (group.backend === backend) sum += this.#remainingMs.get(group)!;
    return sum;
  }
}

/**
 * A backend given by URL calls its provider on one fixed port, where hop C listens: one lane at a
 * time can serve it, whichever edge and client that lane is on (the runner stops the old lane before
 * it starts one for another client).
 */
function maxLanes(backend: ResolvedBackend): number {
  return backend.url ? 1 : Number.POSITIVE_INFINITY;
}
