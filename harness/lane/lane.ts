import { abortReason } from "../../lib/abort.ts";
import { now } from "../../lib/clock.ts";
import { Teardown, trackLive } from "../../lib/lifecycle.ts";
import type { Scenario } from "../../scenarios/scenario.ts";
import { toHopRecord } from "../hops/records.ts";
import type { ProbeClientName } from "../probe/observation.ts";
import type { BackendRestart, ScenarioResult, ServiceRestart, TimelineEvent } from "../results.ts";
import { clientMismatch, unmetRequirement } from "./applicability.ts";
import { CRASH_WINDOW_MS, restartRecord } from "./backend-restart.ts";
import { sizeForBackend } from "./backend-sizing.ts";
import { asksForCheck, checkContext, runChecks } from "./check-evaluation.ts";
import { type ProbeTarget, runExchanges } from "./exchanges.ts";
import { settledJournal, upstreamFor } from "./fake-journal.ts";
import { runFollowUp } from "./follow-up.ts";
import { clearHopTaps, type HopReading, laneChain, readHops, type TappedHops } from "./hop-taps.ts";
import type { LaneBackend, LaneEdge, LaneOptions } from "./lane-options.ts";
import type { BackendDeath } from "./running-backend.ts";
import { setUpScenario } from "./scenario-setup.ts";
import { runSmokeExchange } from "./smoke-exchange.ts";
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
  readonly client: ProbeClientName;
  #topology: LaneTopology;
  #probeTarget: ProbeTarget;
  #teardown: Teardown;
  #untrack: () => void;
  /** Set when the backend died and could not be started again: every later scenario throws it. */
  #unrecoverable: unknown;

  private constructor(options: LaneOptions, topology: LaneTopology, teardown: Teardown) {
    this.index = options.index;
    this.backendInfo = options.backend;
    this.edgeInfo = { ...options.edge, profile: topology.edgeProfile };
    this.client = options.client ?? "h1";
    this.#topology = topology;
    this.#probeTarget = {
      entryUrl: topology.entryUrl,
      contract: options.backend.contract,
      fake: topology.fake,
      lanePrefix: topology.lanePrefix,
      client: this.client,
      ...(options.clientKit ? { clientKit: options.clientKit } : {}),
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

  /**
   * One clean exchange that must show the scenario's message reaching the fake provider; throws a
   * setup error (UserError) when it does not. The runner calls it once per backend per run.
   */
  smokeExchange(signal?: AbortSignal): Promise<void> {
    return runSmokeExchange(this.#probeTarget, this.backendInfo.name, signal);
  }

  /**
   * Runs one scenario and judges it. Aborting `options.signal` (a Ctrl-C) hangs the probe up; the
   * result is then `interrupted`, whatever the checks would have said of a request cut short by us.
   */
  async runScenario(declared: Scenario, options: { signal?: AbortSignal } = {}): Promise<ScenarioResult> {
    const { signal } = options;
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
      client: this.client,
      runtime: this.#topology.runtime.name,
      lane: this.index,
      startedAt,
    };
    const interrupted = (): ScenarioResult => ({
      ...base,
      status: "interrupted",
      reason: `cut short by the user (${abortReason(signal)})`,
      durationMs: now() - startedAt,
      checks: [],
      timeline: [],
    });
    const unmet = unmetRequirement(declared, this.backendInfo) ?? clientMismatch(declared, this.client);
    if (unmet !== undefined) {
      return { ...base, status: "not-applicable", reason: unmet, durationMs: 0, checks: [], timeline: [] };
    }
    // Never a scenario against a dead backend; one that cannot be brought back is a setup error (exit 2).
    if (this.#unrecoverable) throw this.#unrecoverable;
    const foundDead = await backend.death();
    if (foundDead) await backend.restart(foundDead);
    const servicesFoundDead = (await this.#topology.services?.reviveDead("before-start")) ?? [];
    try {
      // Lengths the scenario sizes from the backend (a stall of n keepalive intervals) are resolved
      // before the fake is scripted; the checks see the scenario as it ran.
      const scenario = sizeForBackend(declared, this.backendInfo);
      await setUpScenario(this.#topology, scenario);
      const tapping = this.#hopReading();
      // Only memory and a smaller read ride on it: `since` keeps the window either way, and hops are
      // evidence, so a Toxiproxy that cannot clear must not turn the scenario into an error.
      if (tapping) await clearHopTaps(tapping).catch(() => {});
      const tapsSince = now();
      const exchanges = await runExchanges(this.#probeTarget, scenario, signal);
      if (signal?.aborted) {
        await hops.clearAll().catch(() => {});
        return interrupted();
      }
      // Writes are journaled before they reach the probe, so a snapshot holds every event the probe saw;
      // only a cancellation check needs to wait for the backend to close its provider call.
      const journal = asksForCheck(scenario, "upstream-cancelled")
        ? await settledJournal(fake)
        : await fake.journal();
      // Before the follow-up request, which would be the hops' last exchange; before the toxics go.
      const tapped = tapping
        ? await readHops(tapping, {
            since: tapsSince,
            origin: exchanges[0]?.observation.startedAt ?? tapsSince,
          }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
        : undefined;
      await hops.clearAll();
      for (const exchange of exchanges) exchange.upstream = upstreamFor(journal, exchange);
      const followUp =
        asksForCheck(scenario, "backend-survived") && (await backend.alive())
          ? await runFollowUp(this.#probeTarget, scenario, signal)
          : undefined;
      if (signal?.aborted) return interrupted();
      // A backend that dies a moment after the client left or the stream broke (an unhandled 'error' on
      // its next write, a cleanup timer) dies of this scenario: the window stays open a little longer.
      await backend.settle(now() + CRASH_WINDOW_MS);
      const death = await backend.death();
      const services = this.#topology.services;
      const serviceDeaths = (await services?.deaths()) ?? [];
      // The dead process's own lines, up to its death: the fresh one's start-up is not evidence.
      const ownLogs = death ? death.logs : backend.logs();
      const context = checkContext(
        scenario,
        {
          backend: this.backendInfo,
          edge: { name: this.edgeInfo.edge, profile: this.edgeInfo.profile },
          client: this.client,
        },
        {
          exchanges,
          journal,
          // The stack behind the edge survives only if every box of it does.
          backendAlive: death === undefined && serviceDeaths.length === 0,
          followUp,
          backendLogs: services ? services.stackLogs(ownLogs, serviceDeaths) : ownLogs,
          backendLogsCaptured: backend.logsCaptured,
          edgeLogs: edge.logs(),
        },
        startedAt,
      );
      const { status, checks, reason } = await runChecks(
        scenario,
        context,
        tapped instanceof Error ? undefined : tapped,
      );
      const timeline: TimelineEvent[] = buildTimeline(context, startedAt);
      const result: ScenarioResult = {
        ...base,
        status,
        ...(reason ? { reason } : {}),
        durationMs: now() - startedAt,
        checks,
        timeline,
        ...this.#hopsOf(tapped, status === "fail", exchanges[0]?.observation.startedAt ?? tapsSince),
      };
      if (death) result.backendRestart = await this.#restartAfter(death);
      else if (foundDead) result.backendRestart = restartRecord(foundDead, "before-start", true);
      const serviceRestarts = [...servicesFoundDead, ...(await this.#reviveServices())];
      if (serviceRestarts.length) result.serviceRestarts = serviceRestarts;
      return result;
    } catch (error) {
      await hops.clearAll().catch(() => {});
      if (signal?.aborted) return interrupted();
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

  /** What the lane reads its hops with; undefined when its Toxiproxy cannot record them. */
  #hopReading(): HopReading | undefined {
    const { hops, hopName, tapsUnavailable, services } = this.#topology;
    if (tapsUnavailable) return undefined;
    return {
      hops,
      hopName,
      chain: laneChain({
        edge: this.edgeInfo.edge,
        backend: this.backendInfo.label ?? "backend",
        ...(services ? { links: services.links, providerCaller: services.providerCaller } : {}),
      }),
      contract: this.backendInfo.contract,
      ...(this.client === "h1" ? {} : { encrypted: ["A" as const] }),
    };
  }

  /** The result's hops, with their raw bytes when it failed; or why there are none. */
  #hopsOf(
    tapped: TappedHops | Error | undefined,
    failed: boolean,
    origin: number,
  ): Pick<ScenarioResult, "hops" | "hopsUnavailable"> {
    if (tapped === undefined) return { hopsUnavailable: this.#topology.tapsUnavailable ?? "no taps" };
    if (tapped instanceof Error) return { hopsUnavailable: `the taps could not be read: ${tapped.message}` };
    return {
      hops: tapped.summaries.map((summary) =>
        toHopRecord(summary, { origin, ...(failed ? { raw: tapped.connections[summary.name] ?? [] } : {}) }),
      ),
    };
  }

  /** Brings the backend back after a death in a scenario's window; if it does not come back, the next scenario throws. */
  async #restartAfter(death: BackendDeath): Promise<BackendRestart> {
    try {
      await this.#topology.backend.restart(death);
      return restartRecord(death, "in-window", true);
    } catch (error) {
      this.#unrecoverable = error;
      return restartRecord(death, "in-window", false);
    }
  }

  /** Services that died in the window come back now; one that cannot makes the next scenario throw. */
  async #reviveServices(): Promise<ServiceRestart[]> {
    try {
      return (await this.#topology.services?.reviveDead("in-window")) ?? [];
    } catch (error) {
      this.#unrecoverable = error;
      return [];
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#untrack();
    await this.#teardown.dispose();
  }
}
