import { FakeProviderClient } from "../../fakes/index.ts";
import type { Teardown } from "../../lib/lifecycle.ts";
import { hostPort } from "../../lib/net.ts";
import { type HopAddress, ToxiproxyHops } from "../../proxies/toxiproxy/index.ts";
import type { Hop, Link } from "../../scenarios/scenario.ts";
import type { Address, BoxAddress, Runtime, StartedBox, ToxiproxyBox } from "../boxes/runtime.ts";
import { CLIENTS } from "../probe/clients.ts";
import { whyNoTaps } from "./hop-taps.ts";
import type { LaneOptions } from "./lane-options.ts";
import { RunningBackend } from "./running-backend.ts";
import { LaneServices, withServiceUrls } from "./services.ts";

const HOP_NAMES: Record<Hop, string> = {
  A: "hopA-client-edge",
  B: "hopB-edge-backend",
  C: "hopC-backend-provider",
};

type HopSlot = ToxiproxyBox["hopSlots"][0];

/** A lane's boxes, started and wired: probe →[A]→ edge →[B]→ backend →[C]→ fake. */
export interface LaneTopology {
  /** The runtime's per-lane view where it has one (docker: the lane's network), else the runtime. */
  runtime: Runtime;
  fake: FakeProviderClient;
  hops: ToxiproxyHops;
  /** Lanes and runs may share one Toxiproxy (TOXIPROXY_URL): a hop's proxy name carries the lane prefix. */
  hopName(hop: Link): string;
  backend: RunningBackend;
  /** The backend's services, each behind a hop named after it; undefined when it declares none. */
  services?: LaneServices;
  /** The edge, where the probe enters, and the profile it really runs: replaceEdge() changes all three. */
  edge: StartedBox;
  /** Where the probe connects: hop A. */
  entryUrl: string;
  /** The profile the edge really runs, its default when none was asked for. */
  edgeProfile: string;
  lanePrefix: string;
  /** Set when the hops cannot be tapped, saying why: results then say their hops are unavailable. */
  tapsUnavailable?: string;
  /**
   * Stops the edge and starts `edge` in its place, behind a new hop A; the fake, hop C, the backend
   * (and its state, as between any two scenarios) and hop B stay. The lane's client, and so its TLS
   * material, stays too: the new edge gets the same. Moving a lane to another edge of the same
   * backend costs an edge start (~0.1 s) instead of a backend start (~1 s, more on a loaded machine).
   */
  replaceEdge(edge: LaneOptions["edge"]): Promise<void>;
}

/**
 * Starts the boxes from the provider end, since each box is configured with the address of the one
 * behind it. Every box goes into `teardown`, also when a later one fails to start.
 */
export async function assembleTopology(options: LaneOptions, teardown: Teardown): Promise<LaneTopology> {
  const { backend, edge } = options;
  const laneRuntime = options.runtime.forLane?.(options.index);
  if (laneRuntime) teardown.use(laneRuntime);
  const runtime = laneRuntime ?? options.runtime;
  const lanePrefix = `lane${options.index}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const fake = teardown.use(await runtime.startFake());
  const fakeClient = new FakeProviderClient(fake.adminUrl);
  const serviceSpecs = backend.services ?? [];
  const toxiproxy = teardown.use(await runtime.startToxiproxy(3 + serviceSpecs.length));
  const tapsUnavailable = await whyNoTaps(toxiproxy, options.runtime.name);
  const hops = teardown.use(new ToxiproxyHops(toxiproxy.apiUrl, { taps: tapsUnavailable === undefined }));
  const hopName = (hop: Link) =>
    `${lanePrefix}-${Object.hasOwn(HOP_NAMES, hop) ? HOP_NAMES[hop as Hop] : `service-${hop}`}`;
  const [slotA, slotB, slotC, ...serviceSlots] = toxiproxy.hopSlots as [HopSlot, HopSlot, HopSlot];

  // Each hop listens in its slot (or on a fixed port) and forwards to the box behind it.
  const hopInFrontOf = async (
    hop: Link,
    slot: HopSlot,
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
  const services = serviceSpecs.length
    ? await LaneServices.start({
        runtime,
        backend,
        services: serviceSpecs,
        providerOrigin,
        hopInFront: (name, target) => hopInFrontOf(name, serviceSlots.shift()!, target),
        teardown,
      })
    : undefined;
  const backendBox = teardown.use(
    await RunningBackend.start(
      runtime,
      services ? { ...backend, spec: withServiceUrls(backend.spec, services.urls) } : backend,
      providerOrigin,
    ),
  );

  const hopB = await hopInFrontOf("B", slotB, backendBox.address.internal);
  // A lane has one client, whichever edge it runs: for h2 and the browser, hop A (and its toxics)
  // stands in front of the edge's TLS listener, so a fault on hop A hits what those clients receive.
  const tls = CLIENTS[options.client ?? "h1"].needsTls ? laneTls(options) : undefined;
  // The edge in front of hop B, and hop A in front of it: the part of the lane replaceEdge() swaps.
  const startEdgeAndHopA = async (laneEdge: LaneOptions["edge"]) => {
    const edgeBox = await runtime.startEdge({
      edge: laneEdge.edge,
      upstream: hopB.internal,
      ...(laneEdge.profile ? { profile: laneEdge.profile } : {}),
      ...(laneEdge.configFile ? { configFile: laneEdge.configFile } : {}),
      ...(tls ? { tls } : {}),
    });
    try {
      const edgeEntry = tls ? edgeBox.tls : edgeBox.address;
      if (!edgeEntry) {
        throw new Error(`the ${laneEdge.edge} edge was started with TLS but reports no TLS listener`);
      }
      const hopA = await hopInFrontOf("A", slotA, edgeEntry.internal);
      return {
        edge: edgeBox,
        entryUrl: `${tls ? "https" : "http"}://${hostPort(hopA.external.host, hopA.external.port)}`,
        edgeProfile: edgeBox.name.split(":").slice(1).join(":") || laneEdge.profile || "default",
      };
    } catch (error) {
      await Promise.resolve(edgeBox[Symbol.asyncDispose]()).catch(() => {});
      throw error;
    }
  };
  const first = await startEdgeAndHopA(edge);
  // Whichever edge runs when the lane is torn down; none while one is being replaced.
  let running: StartedBox | undefined = first.edge;
  teardown.defer(() => running?.[Symbol.asyncDispose]());
  const topology: LaneTopology = {
    runtime,
    fake: fakeClient,
    hops,
    hopName,
    backend: backendBox,
    ...(services ? { services } : {}),
    ...first,
    lanePrefix,
    ...(tapsUnavailable ? { tapsUnavailable } : {}),
    async replaceEdge(next) {
      const old = running;
      running = undefined;
      await hops.removeHop(hopName("A"));
      await old?.[Symbol.asyncDispose]();
      const started = await startEdgeAndHopA(next);
      running = started.edge;
      Object.assign(topology, started);
    },
  };
  return topology;
}

function laneTls(options: LaneOptions) {
  if (!options.clientKit) {
    throw new Error(
      `the ${options.client} client needs the run's TLS material (clientKit), and the lane got none`,
    );
  }
  return options.clientKit.tls;
}

/**
 * Where a hop really listens. A slot with port 0 lets Toxiproxy bind a free port itself (no window in
 * which another socket can take a port reserved for it); the created proxy says which.
 */
function resolveSlot(slot: HopSlot, hop: HopAddress, fixedPort?: number): BoxAddress {
  if (fixedPort !== undefined) {
    const address = { host: slot.address.internal.host, port: fixedPort };
    return { internal: address, external: address };
  }
  if (slot.address.internal.port !== 0) return slot.address;
  const address = { host: hop.host, port: hop.port };
  return { internal: address, external: address };
}
