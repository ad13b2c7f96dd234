import { cpus, platform } from "node:os";
import { abortReason, unlessAborted } from "../lib/abort.ts";
import { now } from "../lib/clock.ts";
import { StreamchaosError } from "../lib/errors.ts";
import { checkPortFree, LOOPBACK } from "../lib/net.ts";
import { importOptional } from "../lib/optional-import.ts";
import { packageVersion } from "../lib/package.ts";
import { createRedactor, redactError, secretEnvValues } from "../lib/redact.ts";
import { sweepDeadRuns, sweepReport } from "../lib/runs/sweep.ts";
import { getEdge } from "../proxies/edges.ts";
import { TESTCONTAINERS } from "../runtime/docker/docker-env.ts";
import { matchesPattern } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import { LocalRuntime } from "./boxes/local-runtime.ts";
import type { BackendSpec, Runtime } from "./boxes/runtime.ts";
import { loadRunCatalog } from "./catalog.ts";
import { withUserChecks } from "./checks/index.ts";
import type { EdgeConfig, ResolvedBackend, ResolvedConfig } from "./config.ts";
import { Lane } from "./lane/lane.ts";
import type { LaneBackend } from "./lane/lane-options.ts";
import { type PlannedRun, planRuns, resultKey, type Shard, selectRunScenarios, selectRuns } from "./plan.ts";
import { CLIENTS } from "./probe/clients.ts";
import type { ProbeClientName } from "./probe/observation.ts";
import type { Reporter } from "./reporter.ts";
import { failsRun, type RunResult, SCHEMA_VERSION, type ScenarioResult, summarize } from "./results.ts";
import { clientNotApplicable, prepareClients, type RunClients } from "./run-clients.ts";
import { describeSetup } from "./run-setup.ts";
import { backendLabel, checkScenarioLinks, checkServicesRuntime } from "./services-config.ts";

export interface RunSuiteOptions {
  config: ResolvedConfig;
  reporters: Reporter[];
  signal?: AbortSignal;
  /** Overrides config.runtime (tests pass their own). */
  runtime?: Runtime;
  /** Previous results for "changes since last run", and the durations a shard split is balanced by. */
  previous?: RunResult;
  /** Run only this machine's share of the plan (harness/plan.ts splitPlan). */
  shard?: Shard;
  /** Run only the planned runs with these keys (the tests a vitest `-t` filter kept). */
  only?: ReadonlySet<string>;
  /** Start nothing new after the first result that fails the run; what is running finishes. */
  bail?: boolean;
}

interface Group {
  key: string;
  backend: ResolvedBackend;
  edge: EdgeConfig;
  profile?: string;
  client: ProbeClientName;
  queue: Scenario[];
  skipReason?: string;
  /** The client cannot run through this edge at all (h2 through direct): its results say why. */
  notApplicableReason?: string;
  /** A backend given by URL owns one fixed provider port, so only one lane can serve it. */
  maxLanes: number;
  activeLanes: number;
}

/**
 * Runs every selected scenario on every backend × edge. A pool of `lanes` workers each holds one
 * topology (a lane) and pulls scenarios of its group; when a group runs dry a worker moves to
 * another group and builds a new lane for it. Setup failures (a backend that never starts) abort
 * the run as a UserError (exit 2); scenario failures are results. Aborting `signal` (Ctrl-C) stops
 * the run: scenarios cut short are `interrupted`, a lane still starting is abandoned (a backend that
 * the interrupt stopped is not blamed), and the run resolves with `interrupted` set, its reports written.
 */
export async function runSuite(options: RunSuiteOptions): Promise<RunResult> {
  // The user's scenario files and checks are checked before anything starts (a bad one is exit 2).
  const catalog = await loadRunCatalog(options.config);
  return withUserChecks(catalog.checks, () => runCatalog(options, catalog.scenarios));
}

async function runCatalog(options: RunSuiteOptions, catalog: Scenario[]): Promise<RunResult> {
  const { config, reporters } = options;
  const startedAt = now();
  // What runs killed with SIGKILL left (their watchdog killed too) goes first: it may hold our ports.
  for (const line of sweepReport(await sweepDeadRuns())) process.stderr.write(`${line}\n`);
  if ((options.runtime?.name ?? config.runtime) === "local") await checkProviderPorts(config.backends);
  // A bad glob or a cassette that cannot be replayed is the user's to fix before anything starts.
  const { scenarios: selected, replayed } = selectRunScenarios(catalog, config);
  // Services and the links scenarios name are checked before anything starts (a typo is exit 2).
  checkServicesRuntime(config.backends, options.runtime?.name ?? config.runtime);
  checkScenarioLinks(selected, config.backends);
  // A client the runtime or a user's edge config cannot serve is exit 2 before anything starts.
  await using clients = await prepareClients(config, options.runtime?.name ?? config.runtime);
  const plan = selectRuns(planRuns(config, selected, replayed, clients.clients), options);
  const runtime = options.runtime ?? (await createRuntime(config.runtime));
  const groups = await planGroups(config, plan.runs, clients);
  const total = groups.reduce((n, g) => n + g.queue.length, 0);
  for (const reporter of reporters) {
    reporter.onStart?.({
      scenarios: selected.length,
      edges: config.edges.map((e) => e.edge),
      backends: config.backends.map((b) => b.name),
      total,
    });
  }
  const results: ScenarioResult[] = [];
  // Results and setup errors quote logs, headers and bytes: every one leaves the harness masked, by
  // shape and by the values of every backend's secret-looking env vars (a secret of one backend
  // logged by another is still a secret).
  const redactor = createRedactor({
    values: config.backends.flatMap((b) => [
      ...secretEnvValues(b.env),
      ...(b.services ?? []).flatMap((service) => secretEnvValues(service.env)),
    ]),
  });
  let bailedAfter: string | undefined;
  const record = (raw: ScenarioResult) => {
    const result = redactor.deep(raw);
    results.push(result);
    if (options.bail && failsRun(result, config)) bailedAfter ??= resultKey(result);
    for (const reporter of reporters) reporter.onResult?.(result);
  };
  for (const group of groups.filter((g) => g.skipReason || g.notApplicableReason)) {
    for (const scenario of group.queue.splice(0)) {
      record(
        group.skipReason
          ? notRun(scenario, group, runtime.name, "skipped", group.skipReason)
          : notRun(scenario, group, runtime.name, "not-applicable", group.notApplicableReason!),
      );
    }
  }

  let setupError: unknown;
  // Once per backend per run, on the first lane built for it, before any of its scenarios on any lane.
  const smokeExchanges = new Map<string, Promise<void>>();
  const worker = async (laneIndex: number) => {
    let lane: Lane | undefined;
    let laneGroup: Group | undefined;
    try {
      for (;;) {
        if (options.signal?.aborted || setupError || bailedAfter) return;
        const group = laneGroup?.queue.length
          ? laneGroup
          : groups.find((g) => g.queue.length > 0 && !g.skipReason && g.activeLanes < g.maxLanes);
        if (!group) return;
        if (group !== laneGroup) {
          // Count this worker on its new group before any await, so no other worker overfills it.
          group.activeLanes++;
          if (laneGroup) laneGroup.activeLanes--;
          const previous = lane;
          lane = undefined;
          laneGroup = group;
          await previous?.[Symbol.asyncDispose]();
          lane = await unlessAborted(
            Lane.start({
              index: laneIndex,
              runtime,
              backend: laneBackend(group.backend),
              edge: {
                edge: group.edge.edge,
                ...(group.profile ? { profile: group.profile } : {}),
                ...(group.edge.config ? { configFile: group.edge.config } : {}),
              },
              client: group.client,
              ...(clients.kit ? { clientKit: clients.kit } : {}),
            }),
            options.signal,
          );
          if (!lane) return;
          let smoke = smokeExchanges.get(group.backend.name);
          if (!smoke) {
            smoke = lane.smokeExchange(options.signal);
            smokeExchanges.set(group.backend.name, smoke);
          }
          await smoke;
        }
        // A lane that just started may find the run bailed while it did.
        const scenario = bailedAfter ? undefined : group.queue.shift();
        if (!scenario) continue;
        for (const reporter of reporters) {
          reporter.onScenarioStart?.({
            id: scenario.id,
            title: scenario.title,
            backend: group.backend.name,
            edge: group.edge.edge,
            ...(group.profile ? { profile: group.profile } : {}),
            client: group.client,
            lane: laneIndex,
          });
        }
        const result = await lane!.runScenario(scenario, options.signal ? { signal: options.signal } : {});
        // "id" expects a failure on every edge, "id@edge" on that edge only.
        const expect = group.backend.expectFailures ?? [];
        if (
          matchesPattern(scenario.id, expect) ||
          matchesPattern(`${scenario.id}@${group.edge.edge}`, expect)
        )
          result.expected = "fail";
        record(result);
      }
    } catch (error) {
      // After a Ctrl-C, a box that fails is one the interrupt stopped: the interrupt is the story.
      if (!options.signal?.aborted) setupError ??= redactError(error, redactor);
    } finally {
      await Promise.resolve(lane?.[Symbol.asyncDispose]()).catch(() => {});
    }
  };
  try {
    const laneCount = Math.max(1, Math.min(config.lanes, total || 1));
    await Promise.all(Array.from({ length: laneCount }, (_, i) => worker(i + 1)));
  } finally {
    if (!options.runtime) await Promise.resolve(runtime[Symbol.asyncDispose]()).catch(() => {});
  }
  if (setupError) throw setupError;
  const finishedAt = now();
  results.sort(
    (a, b) =>
      a.backend.localeCompare(b.backend) ||
      a.edge.localeCompare(b.edge) ||
      a.scenario.id.localeCompare(b.scenario.id) ||
      clientOrder(a) - clientOrder(b),
  );
  const run: RunResult = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: "streamchaos", version: packageVersion() },
    startedAt,
    finishedAt,
    durationMs: finishedAt - startedAt,
    environment: {
      node: process.version,
      platform: platform(),
      cpus: cpus().length,
      runtime: runtime.name,
      lanes: config.lanes,
    },
    results,
    summary: summarize(results),
    // What `streamchaos repro` needs to re-run any one result, masked like the results.
    setup: redactor.deep(await describeSetup(config, selected)),
    ...(config.allowInconclusive ? { allowInconclusive: true } : {}),
    ...(plan.shard ? { shard: plan.shard } : {}),
    ...(bailedAfter ? { bailed: { after: bailedAfter, notStarted: total - results.length } } : {}),
  };
  const cutShort = run.summary.interrupted > 0 || results.length < total;
  if (options.signal?.aborted && cutShort) run.interrupted = interruption(options.signal, total, results);
  // Reports of an interrupted run hold what finished; a Ctrl-C while they are written (the run's
  // signal, unless it already stopped the run) leaves the file being written as it was and stops.
  const writeSignal = options.signal?.aborted ? undefined : options.signal;
  for (const reporter of reporters) {
    try {
      await reporter.onFinish(run, {
        outDir: config.outDir,
        ...(options.previous ? { previous: options.previous } : {}),
        ...(writeSignal ? { signal: writeSignal } : {}),
      });
    } catch (error) {
      if (!(error instanceof StreamchaosError && error.code === "REPORT_WRITE_INTERRUPTED")) throw error;
      run.interrupted ??= interruption(writeSignal, total, results);
      break;
    }
  }
  return run;
}

/**
 * A backend given by URL calls its provider on the fixed port where hop C has to listen. When that
 * port is taken the run cannot start: say so up front, naming the key and who holds the port.
 */
async function checkProviderPorts(backends: ResolvedBackend[]): Promise<void> {
  for (const backend of backends) {
    if (backend.providerPort === undefined) continue;
    await checkPortFree({
      subject: `Cannot listen on the providerPort of backend "${backend.name}"`,
      host: LOOPBACK,
      port: backend.providerPort,
      instead: "point the backend's provider base URL at a free port and set providerPort to that port",
    });
  }
}

function interruption(
  signal: AbortSignal | undefined,
  planned: number,
  results: ScenarioResult[],
): NonNullable<RunResult["interrupted"]> {
  return { reason: abortReason(signal), planned, notStarted: planned - results.length };
}

/**
 * Exit code: 130 when the user stopped the run (as a shell reports Ctrl-C, whichever signal it was),
 * else 1 when a result is worse than expected (a failure or error not listed in expectFailures,
 * an inconclusive result unless the run allows them, an interrupted scenario).
 */
export function exitCodeFor(run: RunResult): number {
  if (run.interrupted) return 130;
  return run.results.some((result) => failsRun(result, run)) ? 1 : 0;
}

function clientOrder(result: ScenarioResult): number {
  return Object.keys(CLIENTS).indexOf(result.client ?? "h1");
}

/**
 * The planned runs as queues, one per backend × edge × profile × client (each client is one more key
 * of the matrix, as edges are): a lane serves one queue at a time.
 */
async function planGroups(
  config: ResolvedConfig,
  runs: readonly PlannedRun[],
  clients: RunClients,
): Promise<Group[]> {
  const groups = new Map<string, Group>();
  const availability = new Map<string, string | undefined>();
  for (const edgeConfig of config.edges) {
    if (!availability.has(edgeConfig.edge)) {
      const status = await getEdge(edgeConfig.edge).available();
      availability.set(
        edgeConfig.edge,
        status.ok ? undefined : `${status.reason}; install with: ${status.install}`,
      );
    }
  }
  for (const { backend, edge, profile, scenario, client } of runs) {
    const key = `${backend.name}|${edge.edge}|${profile ?? ""}|${edge.config ?? ""}|${client}`;
    let group = groups.get(key);
    if (!group) {
      const skipReason = availability.get(edge.edge) ?? clients.skip[client];
      const notApplicableReason = clientNotApplicable(client, edge.edge, profile, edge.config);
      group = {
        key,
        backend,
        edge,
        ...(profile ? { profile } : {}),
        client,
        queue: [],
        ...(skipReason ? { skipReason } : {}),
        ...(notApplicableReason ? { notApplicableReason } : {}),
        maxLanes: backend.url ? 1 : Number.POSITIVE_INFINITY,
        activeLanes: 0,
      };
      groups.set(key, group);
    }
    group.queue.push(scenario);
  }
  return [...groups.values()];
}

function boxSpec(
  name: string,
  box: Pick<ResolvedBackend, "command" | "cwd" | "image" | "url" | "env" | "healthPath" | "readyTimeoutMs">,
): BackendSpec {
  // A string runs as written, like a line typed into a shell. No `exec` in front: it broke `cd app &&
  // ...` (exec cd) and ran only the first of `a; b; exit 3`. The shell stays the group's leader and
  // the group stop reaches everything it started.
  const command =
    box.command === undefined
      ? undefined
      : typeof box.command === "string"
        ? { command: "/bin/sh", args: ["-c", box.command] }
        : { command: box.command[0]!, args: box.command.slice(1) };
  return {
    name,
    ...(command ? { command: { ...command, ...(box.cwd ? { cwd: box.cwd } : {}) } } : {}),
    ...(box.image ? { image: box.image } : {}),
    ...(box.url ? { url: box.url } : {}),
    env: box.env ?? {},
    healthPath: box.healthPath,
    readyTimeoutMs: box.readyTimeoutMs,
  };
}

function laneBackend(backend: ResolvedBackend): LaneBackend {
  const spec = boxSpec(backend.name, backend);
  const services = backend.services?.map((service) => ({
    name: service.name,
    spec: boxSpec(`${backend.name}/${service.name}`, service),
    dependsOn: service.dependsOn,
  }));
  return {
    ...(services ? { services } : {}),
    name: backend.name,
    label: backendLabel(backend),
    ...(backend.providerPort === undefined ? {} : { providerPort: backend.providerPort }),
    provider: backend.provider,
    contract: backend.contract,
    spec,
    ...(backend.keepaliveMs === undefined ? {} : { keepaliveMs: backend.keepaliveMs }),
    ...(backend.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: backend.upstreamTimeoutMs }),
  };
}

/** A scenario that did not run on this group: its edge or client is missing here, or cannot apply. */
function notRun(
  scenario: Scenario,
  group: Group,
  runtime: "local" | "docker",
  status: "skipped" | "not-applicable",
  reason: string,
): ScenarioResult {
  return {
    scenario: {
      id: scenario.id,
      title: scenario.title,
      incident: scenario.incident,
      category: scenario.category,
    },
    backend: group.backend.name,
    edge: group.edge.edge,
    // As a lane names the profile of a config file of your own, so the result has its planned key.
    ...(group.profile
      ? { profile: group.profile }
      : group.edge.config
        ? { profile: `custom:${group.edge.config}` }
        : {}),
    client: group.client,
    runtime,
    lane: 0,
    status,
    reason,
    startedAt: now(),
    durationMs: 0,
    checks: [],
    timeline: [],
  };
}

async function createRuntime(name: "local" | "docker"): Promise<Runtime> {
  if (name === "local") return new LocalRuntime();
  const { createDockerRuntime } = await importOptional(
    TESTCONTAINERS,
    () => import("./boxes/docker/index.ts"),
  );
  return createDockerRuntime();
}
