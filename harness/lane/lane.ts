import { now } from "../../lib/clock.ts";
import { Teardown, trackLive } from "../../lib/lifecycle.ts";
import type { Scenario } from "../../scenarios/scenario.ts";
import type { ScenarioResult, TimelineEvent } from "../results.ts";
import { unmetRequirement } from "./applicability.ts";
import { sizeForBackend } from "./backend-sizing.ts";
import { asksForCheck, checkContext, runChecks } from "./check-evaluation.ts";
import { type ProbeTarget, runExchanges } from "./exchanges.ts";
import { settledJournal, upstreamFor } from "./fake-journal.ts";
import { runFollowUp } from "./follow-up.ts";
import type { LaneBackend, LaneEdge, LaneOptions } from "./lane-options.ts";
import { setUpScenario } from "./scenario-setup.ts";
import { buildTimeline } from "./timeline.ts";
import { assembleTopology, type LaneTopology } from "./topology.ts";

/**
 * One full copy of the topology: probe →[A]→ edge →[B]→ backend →[C]→ fake. Scenarios run on it one
 * after another; between them the fake is re-scripted and every toxic removed.
 */
export class Lane implements AsyncDisposable {
  readonly index: number;
  readonly backendInfo: LaneBackend;
  readonly edgeInfo: LaneEdge & { profile: string };
  #topology: LaneTopology;
  #probeTarget: ProbeTarget;
  #teardown: Teardown;
  #untrack: () => void;

  private constructor(options: LaneOptions, topology: LaneTopology, teardown: Teardown) {
    this.index = options.index;
    this.backendInfo = options.backend;
    this.edgeInfo = { ...options.edge, profile: topology.edgeProfile };
    this.#topology = topology;
    this.#probeTarget = {
      entryUrl: topology.entryUrl,
      contract: options.backend.contract,
      fake: topology.fake,
      lanePrefix: topology.lanePrefix,
    };
    this.#teardown = teardown;
    this.#untrack = trackLive(this);
  }

  static async start(options: LaneOptions): Promise<Lane> {
    const teardown = new Teardown();
    try {
      const topology = await assembleTopology(options, teardown);
      return new Lane(options, topology, teardown.move());
    } catch (error) {
      await teardown.dispose().catch(() => {});
      throw error;
    }
  }

  get entryUrl(): string {
    return this.#topology.entryUrl;
  }

  async runScenario(declared: Scenario): Promise<ScenarioResult> {
    const { fake, hops, backend, edge } = this.#topology;
    const startedAt = now();
    const base: Omit<ScenarioResult, "status" | "durationMs" | "checks" | "timeline"> = {
      scenario: {
        id: declared.id,
        title: declared.title,
        incident: declared.incident,
        category: declared.category,
      },
      backend: this.backendInfo.name,
      edge: this.edgeInfo.edge,
      profile: this.edgeInfo.profile,
      runtime: this.#topology.runtime.name,
      lane: this.index,
      startedAt,
    };
    const unmet = unmetRequirement(declared, this.backendInfo);
    if (unmet !== undefined) {
      return { ...base, status: "not-applicable", reason: unmet, durationMs: 0, checks: [], timeline: [] };
    }
    try {
      // Lengths the scenario sizes from the backend (a stall of n keepalive intervals) are resolved
      // before the fake is scripted; the checks see the scenario as it ran.
      const scenario = sizeForBackend(declared, this.backendInfo);
      await setUpScenario(this.#topology, scenario);
      const exchanges = await runExchanges(this.#probeTarget, scenario);
      // Writes are journaled before they reach the probe, so a snapshot holds every event the probe saw;
      // only a cancellation check needs to wait for the backend to close its provider call.
      const journal = asksForCheck(scenario, "upstream-cancelled")
        ? await settledJournal(fake)
        : await fake.journal();
      await hops.clearAll();
      for (const exchange of exchanges) exchange.upstream = upstreamFor(journal, exchange);
      const backendAlive = await backend.alive();
      const followUp =
        asksForCheck(scenario, "backend-survived") && backendAlive
          ? await runFollowUp(this.#probeTarget, scenario)
          : undefined;
      if (!backendAlive) await backend.restart();
      const context = checkContext(
        scenario,
        { backend: this.backendInfo, edge: { name: this.edgeInfo.edge, profile: this.edgeInfo.profile } },
        {
          exchanges,
          journal,
          backendAlive,
          followUp,
          backendLogs: backend.logs(),
          backendLogsCaptured: backend.logsCaptured,
          edgeLogs: edge.logs(),
        },
        startedAt,
      );
      const { status, checks, reason } = await runChecks(scenario, context);
      const timeline: TimelineEvent[] = buildTimeline(context, startedAt);
      return {
        ...base,
        status,
        ...(reason ? { reason } : {}),
        durationMs: now() - startedAt,
        checks,
        timeline,
      };
    } catch (error) {
      await hops.clearAll().catch(() => {});
      return {
        ...base,
        status: "error",
        reason: error instanceof Error ? error.message : String(error),
        durationMs: now() - startedAt,
        checks: [],
        timeline: [],
      };
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#untrack();
    await this.#teardown.dispose();
  }
}
