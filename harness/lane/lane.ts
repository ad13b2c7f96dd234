import { FakeProviderClient } from "../../fakes/index.ts";
import { now } from "../../lib/clock.ts";
import { Teardown, trackLive } from "../../lib/lifecycle.ts";
import { hostPort } from "../../lib/net.ts";
import { type HopAddress, type HopToxic, ToxiproxyHops } from "../../proxies/toxiproxy/index.ts";
import type { Hop, Scenario } from "../../scenarios/scenario.ts";
import type { Address, BoxAddress, FakeBox, Runtime, StartedBox, ToxiproxyBox } from "../boxes/runtime.ts";
import type { ScenarioResult, TimelineEvent } from "../results.ts";
import { asksForCheck, checkContext, runChecks } from "./check-evaluation.ts";
import { type ProbeTarget, runExchanges } from "./exchanges.ts";
import { settledJournal, upstreamFor } from "./fake-journal.ts";
import { runFollowUp } from "./follow-up.ts";
import type { LaneBackend, LaneEdge, LaneOptions } from "./lane-options.ts";
import { RunningBackend } from "./running-backend.ts";
import { buildTimeline } from "./timeline.ts";

const HOP_NAMES: Record<Hop, string> = {
  A: "hopA-client-edge",
  B: "hopB-edge-backend",
  C: "hopC-backend-provider",
};
/**
 * One full copy of the topology: probe →[A]→ edge →[B]→ backend →[C]→ fake. Scenarios run on it one
 * after another; between them the fake is re-scripted and every toxic removed.
 */
export class Lane implements AsyncDisposable {
  readonly index: number;
  readonly backendInfo: LaneBackend;
  readonly edgeInfo: LaneEdge & { profile: string };
  #teardown: Teardown;
  #runtime: Runtime;
  #fake: FakeBox;
  #fakeClient: FakeProviderClient;
  #toxiproxy: ToxiproxyBox;
  #hops: ToxiproxyHops;
  #backend: RunningBackend;
  #edge: StartedBox;
  #entry: Address;
  #untrack: () => void;
  #lanePrefix: string;
  #probeTarget: ProbeTarget;

  private constructor(init: {
    options: LaneOptions;
    teardown: Teardown;
    fake: FakeBox;
    fakeClient: FakeProviderClient;
    toxiproxy: ToxiproxyBox;
    hops: ToxiproxyHops;
    backend: RunningBackend;
    edge: StartedBox;
    entry: Address;
    edgeProfile: string;
    lanePrefix: string;
  }) {
    this.index = init.options.index;
    this.backendInfo = init.options.backend;
    this.edgeInfo = { ...init.options.edge, profile: init.edgeProfile };
    this.#runtime = init.options.runtime;
    this.#teardown = init.teardown;
    this.#fake = init.fake;
    this.#fakeClient = init.fakeClient;
    this.#toxiproxy = init.toxiproxy;
    this.#hops = init.hops;
    this.#backend = init.backend;
    this.#edge = init.edge;
    this.#entry = init.entry;
    this.#lanePrefix = init.lanePrefix;
    this.#probeTarget = {
      entryUrl: this.entryUrl,
      contract: this.backendInfo.contract,
      fake: this.#fakeClient,
      lanePrefix: this.#lanePrefix,
    };
    this.#untrack = trackLive(this);
  }

  static async start(options: LaneOptions): Promise<Lane> {
    const teardown = new Teardown();
    try {
      const { backend, edge } = options;
      const laneRuntime = options.runtime.forLane?.(options.index);
      if (laneRuntime) teardown.use(laneRuntime);
      const runtime = laneRuntime ?? options.runtime;
      const lanePrefix = `lane${options.index}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
      const fake = teardown.use(await runtime.startFake());
      const fakeClient = new FakeProviderClient(fake.adminUrl);
      const toxiproxy = teardown.use(await runtime.startToxiproxy(3));
      const hops = teardown.use(new ToxiproxyHops(toxiproxy.apiUrl));
      const hopName = (hop: Hop) => `${lanePrefix}-${HOP_NAMES[hop]}`;
      const [slotA, slotB, slotC] = toxiproxy.hopSlots as [
        ToxiproxyBox["hopSlots"][0],
        ToxiproxyBox["hopSlots"][0],
        ToxiproxyBox["hopSlots"][0],
      ];

      // Each hop listens in its slot (or on a fixed port) and forwards to the box behind it.
      const hopInFrontOf = async (
        hop: Hop,
        slot: ToxiproxyBox["hopSlots"][0],
        target: Address,
        fixedPort?: number,
      ): Promise<BoxAddress> =>
        resolveSlot(
          slot,
          await hops.createHop({
            name: hopName(hop),
            listen: fixedPort === undefined ? slot.listen : hostPort(slot.address.internal.host, fixedPort),
            upstream: hostPort(target.host, target.port),
          }),
          fixedPort,
        );

      // A backend already running was configured with a fixed provider URL: hop C listens there.
      const hopC = await hopInFrontOf("C", slotC, fake.address.internal, backend.providerPort);
      const providerOrigin = `http://${hostPort(hopC.internal.host, hopC.internal.port)}`;
      const backendBox = teardown.use(await RunningBackend.start(runtime, backend, providerOrigin));

      const hopB = await hopInFrontOf("B", slotB, backendBox.address.internal);
      const edgeBox = teardown.use(
        await runtime.startEdge({
          edge: edge.edge,
          upstream: hopB.internal,
          ...(edge.profile ? { profile: edge.profile } : {}),
          ...(edge.configFile ? { configFile: edge.configFile } : {}),
        }),
      );
      const hopA = await hopInFrontOf("A", slotA, edgeBox.address.internal);
      const edgeProfile = edgeBox.name.split(":").slice(1).join(":") || edge.profile || "default";
      return new Lane({
        options: { ...options, runtime },
        teardown: teardown.move(),
        fake,
        fakeClient,
        toxiproxy,
        hops,
        backend: backendBox,
        edge: edgeBox,
        entry: hopA.external,
        edgeProfile,
        lanePrefix,
      });
    } catch (error) {
      await teardown.dispose().catch(() => {});
      throw error;
    }
  }

  get entryUrl(): string {
    return `http://${hostPort(this.#entry.host, this.#entry.port)}`;
  }

  async runScenario(scenario: Scenario): Promise<ScenarioResult> {
    const startedAt = now();
    const base: Omit<ScenarioResult, "status" | "durationMs" | "checks" | "timeline"> = {
      scenario: {
        id: scenario.id,
        title: scenario.title,
        incident: scenario.incident,
        category: scenario.category,
      },
      backend: this.backendInfo.name,
      edge: this.edgeInfo.edge,
      profile: this.edgeInfo.profile,
      runtime: this.#runtime.name,
      lane: this.index,
      startedAt,
    };
    try {
      await this.#prepare(scenario);
      const exchanges = await runExchanges(this.#probeTarget, scenario);
      // Writes are journaled before they reach the probe, so a snapshot holds every event the probe saw;
      // only a cancellation check needs to wait for the backend to close its provider call.
      const journal = asksForCheck(scenario, "upstream-cancelled")
        ? await settledJournal(this.#fakeClient)
        : await this.#fakeClient.journal();
      await this.#hops.clearAll();
      for (const exchange of exchanges) exchange.upstream = upstreamFor(journal, exchange);
      const backendAlive = await this.#backend.alive();
      const followUp =
        asksForCheck(scenario, "backend-survived") && backendAlive
          ? await runFollowUp(this.#probeTarget, scenario)
          : undefined;
      if (!backendAlive) await this.#backend.restart();
      const context = checkContext(
        scenario,
        {
          backend: this.backendInfo,
          edge: { name: this.edgeInfo.edge, profile: this.edgeInfo.profile },
        },
        {
          exchanges,
          journal,
          backendAlive,
          followUp,
          backendLogs: this.#backend.logs(),
          backendLogsCaptured: this.#backend.logsCaptured,
          edgeLogs: this.#edge.logs(),
        },
        startedAt,
      );
      const { status, checks } = await runChecks(scenario, context);
      const timeline: TimelineEvent[] = buildTimeline(context, startedAt);
      return { ...base, status, durationMs: now() - startedAt, checks, timeline };
    } catch (error) {
      await this.#hops.clearAll().catch(() => {});
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

  async #prepare(scenario: Scenario): Promise<void> {
    await this.#fakeClient.reset();
    await this.#fakeClient.setScript({ name: scenario.id, ...scenario.script });
    for (const [i, { match, script }] of (scenario.matchScripts ?? []).entries()) {
      await this.#fakeClient.addScript({ name: `${scenario.id}#${i + 1}`, ...script }, match);
    }
    for (const hop of scenario.down ?? []) await this.#hops.setEnabled(this.#hopName(hop), false);
    const byHop = new Map<Hop, NonNullable<Scenario["toxics"]>>();
    for (const toxic of scenario.toxics ?? []) byHop.set(toxic.hop, [...(byHop.get(toxic.hop) ?? []), toxic]);
    for (const [hop, toxics] of byHop) {
      await this.#hops.setToxics(
        this.#hopName(hop),
        toxics.map((t, i) => ({
          name: `${t.type}_${t.stream ?? "downstream"}_${i}`,
          type: t.type as HopToxic["type"],
          stream: t.stream ?? "downstream",
          toxicity: t.toxicity ?? 1,
          attributes: t.attributes ?? {},
        })),
      );
    }
  }

  #hopName(hop: Hop): string {
    return `${this.#lanePrefix}-${HOP_NAMES[hop]}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#untrack();
    await this.#teardown.dispose();
  }
}

/**
 * Where a hop really listens. A slot with port 0 lets Toxiproxy bind a free port itself (no window in
 * which another socket can take a port reserved for it); the created proxy says which.
 */
function resolveSlot(slot: ToxiproxyBox["hopSlots"][0], hop: HopAddress, fixedPort?: number): BoxAddress {
  if (fixedPort !== undefined) {
    const address = { host: slot.address.internal.host, port: fixedPort };
    return { internal: address, external: address };
  }
  if (slot.address.internal.port !== 0) return slot.address;
  const address = { host: hop.host, port: hop.port };
  return { internal: address, external: address };
}
