import { createHash } from "node:crypto";
import { isAbsolute, relative } from "node:path";
import { UserError } from "../lib/errors.ts";
import { selectScenarios } from "../scenarios/index.ts";
import type { Scenario } from "../scenarios/scenario.ts";
import type { EdgeConfig, ResolvedBackend, ResolvedConfig } from "./config.ts";
import type { ProbeClientName } from "./probe/observation.ts";
import type { RunResult, ScenarioResult } from "./results.ts";
import { checkReplays } from "./scenario-cassettes.ts";

/**
 * What a run will do, before anything starts: one planned run per scenario × backend × edge
 * (profile) × client, each named by a key that the result it gives carries too. The runner, the
 * shard split, `-t` in the vitest entry and `merge` all name runs by that key, so it has to come
 * out the same on every machine of a CI matrix: no absolute paths, no times.
 */
export interface PlannedRun {
  key: string;
  scenario: Scenario;
  backend: ResolvedBackend;
  edge: EdgeConfig;
  /** The profile asked for (the edge's or the scenario's); undefined runs the edge's default. */
  profile?: string;
  /** The client that makes the requests: h1 (the default), h2 or browser. */
  client: ProbeClientName;
}

/** The parts of a run's name; a result has them all, a planned run before it starts too. */
export interface RunName {
  scenario: string;
  backend: string;
  edge: string;
  /** "default" when left out; `custom:<file>` for a config file of your own. */
  profile?: string;
  /** The client (h1, h2, browser) when the run has that dimension. */
  client?: string;
}

/**
 * `mid-connection-rst@node-openai/nginx:sse-tuned`, `[h2]` appended for a client other than h1: the form
 * `streamchaos repro` reads. A config file of your own is named relative to the working directory,
 * so two CI machines with different checkout paths give the same key.
 */
export function runKey(name: RunName): string {
  // h1 is the default client and names nothing: a run of h1 alone keeps the keys it always had.
  const client = name.client && name.client !== "h1" ? `[${name.client}]` : "";
  return `${name.scenario}@${name.backend}/${name.edge}:${portableProfile(name.profile)}${client}`;
}

export function resultKey(result: ScenarioResult): string {
  return runKey({
    scenario: result.scenario.id,
    backend: result.backend,
    edge: result.edge,
    ...(result.profile ? { profile: result.profile } : {}),
    ...(result.client ? { client: result.client } : {}),
  });
}

function portableProfile(profile: string | undefined): string {
  if (!profile) return "default";
  const file = profile.startsWith("custom:") ? profile.slice("custom:".length) : undefined;
  if (file === undefined || !isAbsolute(file)) return profile;
  const rel = relative(process.cwd(), file);
  return `custom:${rel.startsWith("..") ? file : rel}`;
}

/**
 * The scenarios a config selects from a run's catalog (built-in plus the user's, see catalog.ts),
 * with the provider of each one that replays a cassette. A bad glob or cassette is a UserError
 * here, before any box starts.
 */
export function selectRunScenarios(
  catalog: readonly Scenario[],
  config: Pick<ResolvedConfig, "scenarios">,
): { scenarios: Scenario[]; replayed: Map<string, string> } {
  const scenarios = selectScenarios([...catalog], config.scenarios);
  return { scenarios, replayed: checkReplays(scenarios) };
}

/**
 * Every run the config asks for, backend by backend, edge by edge, in catalog order. A scenario
 * limited to some edges skips the others; one replaying a recording runs only on the backends of
 * the recording's provider.
 */
export function planRuns(
  config: Pick<ResolvedConfig, "backends" | "edges">,
  scenarios: readonly Scenario[],
  replayed: ReadonlyMap<string, string>,
  clients: readonly ProbeClientName[] = ["h1"],
): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const backend of config.backends) {
    for (const edge of config.edges) {
      for (const client of clients) {
        for (const scenario of scenarios) {
          if (scenario.edges && !scenario.edges.includes(edge.edge)) continue;
          // A recording is in its provider's wire format: only a backend of that provider can read it.
          if (replayed.has(scenario.id) && replayed.get(scenario.id) !== backend.provider) continue;
          const profile = edge.config ? undefined : (edge.profile ?? scenario.profiles?.[edge.edge]);
          const key = runKey({
            scenario: scenario.id,
            backend: backend.name,
            edge: edge.edge,
            profile: edge.config ? `custom:${edge.config}` : profile,
            client,
          });
          runs.push({ key, scenario, backend, edge, ...(profile ? { profile } : {}), client });
        }
      }
    }
  }
  return runs;
}

/** `--shard 2/4`: the second of four machines. 1-based, as vitest, Jest and Playwright count. */
export interface Shard {
  index: number;
  total: number;
}

export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || total < 1 || index < 1 || index > total || total > 1000) {
    throw new UserError("CLI_USAGE", {
      what: `Invalid --shard "${text}"`,
      why: !match
        ? "a shard is INDEX/TOTAL, two whole numbers"
        : total < 1 || total > 1000
          ? "TOTAL is how many machines share the plan: 1 to 1000"
          : `INDEX counts from 1 to TOTAL (${total})`,
      fix: "Pass e.g. --shard 1/4 on the first of four machines, --shard 4/4 on the last.",
    });
  }
  return { index, total };
}

export interface ShardPlan {
  /** Shard (1-based) of every key of the whole plan. */
  assignment: Map<string, number>;
  /** Identifies the plan and its split: every machine of one CI matrix must compute the same. */
  planHash: string;
}

/**
 * Splits the whole plan over `total` machines, the same way on each: runs sorted by key, then
 * longest-processing-time first (each run, longest first, goes to the shard with the least work so
 * far, the lowest index on a tie). Durations come from an earlier run (`--previous`); a run it does
 * not know counts as the mean of those it does, and without any every run weighs the same, which
 * deals the sorted keys out in turn.
 */
export function splitPlan(
  keys: readonly string[],
  total: number,
  durations: ReadonlyMap<string, number> = new Map(),
): ShardPlan {
  const sorted = [...new Set(keys)].sort();
  const known = sorted.map((key) => durations.get(key)).filter((ms): ms is number => ms !== undefined);
  const fallback = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  // Whole milliseconds: the split must not hinge on float noise in a results.json.
  const weight = (key: string) => Math.max(1, Math.round(durations.get(key) ?? fallback));
  const order = [...sorted].sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1));
  const load = Array.from({ length: total }, () => 0);
  const assignment = new Map<string, number>();
  for (const key of order) {
    let best = 0;
    for (let i = 1; i < total; i++) if (load[i]! < load[best]!) best = i;
    load[best]! += weight(key);
    assignment.set(key, best + 1);
  }
  const hash = createHash("sha256").update(
    JSON.stringify([total, sorted.map((k) => [k, assignment.get(k)])]),
  );
  return { assignment, planHash: hash.digest("hex").slice(0, 16) };
}

/** How long each run of an earlier run took, by key: the weights of a balanced split. */
export function durationsFrom(previous: Pick<RunResult, "results"> | undefined): Map<string, number> {
  const durations = new Map<string, number>();
  for (const result of previous?.results ?? []) {
    // Runs that did not run (skipped, not applicable) or were cut short say nothing about the next.
    if (result.status === "skipped" || result.status === "not-applicable" || result.status === "interrupted")
      continue;
    durations.set(resultKey(result), result.durationMs);
  }
  return durations;
}

export interface PlanSelection {
  runs: PlannedRun[];
  /** Set when the plan was cut to one shard. */
  shard?: Shard & { planHash: string };
}

/**
 * The runs this process does: the shard's share of the plan, and of that only the keys `only`
 * names (the tests a vitest `-t` filter left), when given.
 */
export function selectRuns(
  runs: readonly PlannedRun[],
  options: { shard?: Shard; previous?: Pick<RunResult, "results">; only?: ReadonlySet<string> },
): PlanSelection {
  let selected = [...runs];
  let shard: PlanSelection["shard"];
  if (options.shard) {
    const split = splitPlan(
      runs.map((r) => r.key),
      options.shard.total,
      durationsFrom(options.previous),
    );
    selected = selected.filter((r) => split.assignment.get(r.key) === options.shard!.index);
    shard = { ...options.shard, planHash: split.planHash };
  }
  if (options.only) selected = selected.filter((r) => options.only!.has(r.key));
  return { runs: selected, ...(shard ? { shard } : {}) };
}
