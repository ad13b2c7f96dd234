import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import type { BackendSetup, RunResult, RunSetup, ScenarioResult } from "../../harness/results.ts";
import { UserError } from "../../lib/errors.ts";
import type { Scenario, ScriptJson } from "../../scenarios/scenario.ts";

/**
 * One result of a run: `scenario@backend/edge`, `:profile` when an edge ran with several, and
 * `[client]` (as the reports label it) when the run had several clients.
 */
export interface ReproTarget {
  scenario: string;
  backend: string;
  edge: string;
  profile?: string;
  client?: string;
}

const TARGET = /^([^@]+)@([^/]+)\/([^:[\s]+)(?::([^[\s]+))?\s*(?:\[([^\]]+)\])?$/;

export function parseTarget(text: string, usage: string): ReproTarget {
  const m = TARGET.exec(text);
  if (!m) {
    throw new UserError("CLI_USAGE", {
      what: `Invalid result "${text}"`,
      why: "a result is named scenario@backend/edge, e.g. mid-connection-rst@node-openai/nginx",
      fix: `Usage: ${usage}`,
    });
  }
  return {
    scenario: m[1]!,
    backend: m[2]!,
    edge: m[3]!,
    ...(m[4] ? { profile: m[4] } : {}),
    ...(m[5] ? { client: m[5] } : {}),
  };
}

const label = (r: ScenarioResult) =>
  `${r.scenario.id}@${r.backend}/${r.edge}${r.profile ? `:${r.profile}` : ""}${r.client && r.client !== "h1" ? `[${r.client}]` : ""}`;

/** The one result the target names; a UserError listing near ones when it names none or several. */
export function findResult(run: RunResult, target: ReproTarget): ScenarioResult {
  const matches = run.results.filter(
    (r) =>
      r.scenario.id === target.scenario &&
      r.backend === target.backend &&
      r.edge === target.edge &&
      (target.profile === undefined || r.profile === target.profile) &&
      (target.client === undefined || (r.client ?? "h1") === target.client),
  );
  if (matches.length === 1) return matches[0]!;
  const near = (matches.length > 1 ? matches : run.results.filter((r) => r.scenario.id === target.scenario))
    .map(label)
    .slice(0, 12);
  throw new UserError("REPRO_NO_SUCH_RESULT", {
    what:
      matches.length > 1
        ? `${target.scenario}@${target.backend}/${target.edge} ran with ${matches.length} profiles or clients`
        : `The run has no result ${target.scenario}@${target.backend}/${target.edge}`,
    why: near.length
      ? `its results for that scenario: ${near.join(", ")}`
      : `it has ${run.results.length} results`,
    fix:
      matches.length > 1
        ? "Add the profile or the client: scenario@backend/edge:profile[h2]."
        : "Name one of its results as scenario@backend/edge (the console matrix and results.json list them).",
  });
}

export interface WrittenRepro {
  dir: string;
  files: string[];
  /** The one command that re-runs the result. */
  command: string;
  /** What the README warns about (a changed cassette, masked secrets...), for the console too. */
  notes: string[];
}

/**
 * Writes a folder that re-runs one result: a config with that backend, that edge (your own edge
 * config copied in) and only that scenario, the scenario as a file beside it with the cassettes it
 * replays, the original result, and a README with the one command and the original verdict.
 * The backend's code is referenced where it ran (its cwd, by absolute path), not copied.
 */
export async function writeRepro(run: RunResult, result: ScenarioResult, out: string): Promise<WrittenRepro> {
  const setup = needSetup(run);
  const scenario = setup.scenarios[result.scenario.id];
  const backend = setup.backends.find((b) => b.name === result.backend);
  if (!scenario || !backend) {
    throw new UserError("REPRO_INCOMPLETE_RESULTS", {
      what: `The run's setup does not hold ${scenario ? `backend "${result.backend}"` : `scenario "${result.scenario.id}"`}`,
      why: "results.json was edited, or cut down to some of its results",
      fix: "Use the results.json the run wrote, whole.",
    });
  }
  if (typeof backend.contract === "object" && "custom" in backend.contract) {
    throw new UserError("REPRO_CUSTOM_CONTRACT", {
      what: `Backend "${backend.name}" speaks a contract of your own (${backend.contract.custom})`,
      why: "a repro folder is JSON, and a contract object is code it cannot carry",
      fix: `Make it a preset ({"preset": ..., "path": ..., "model": ...}) if one fits, or copy the backend from ${setup.configFile ?? "your config"} into the repro's streamchaos.config.json by hand.`,
    });
  }
  const dir = resolve(out);
  await mkdir(dir, { recursive: true });
  const notes: string[] = [];
  const files: string[] = [];
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    files.push(name);
  };

  const copied = await copyCassettes(scenario, setup, dir, notes);
  files.push(...copied.files);
  await write("scenario.json", `${JSON.stringify(copied.scenario, null, 2)}\n`);

  const edge = await edgeFor(setup, result, dir, files);
  const { expectFailures: _expected, ...rest } = backend;
  // A command ran in its cwd, or where the run was started: the repro runs it there too.
  const runnable = rest.command === undefined ? rest : { ...rest, cwd: rest.cwd ?? setup.cwd };
  const config = {
    backends: [runnable],
    edges: [edge],
    ...(result.client && result.client !== "h1" ? { clients: [result.client] } : {}),
    include: ["scenario.json"],
    // The scenario as it ran, even where a built-in one of that id has changed since.
    replaceBuiltins: true,
    scenarios: [scenario.id],
    lanes: 1,
    runtime: result.runtime,
    reporters: ["console", "json"],
    outDir: "report",
  };
  await write("streamchaos.config.json", `${JSON.stringify(config, null, 2)}\n`);
  await write("original-result.json", `${JSON.stringify(result, null, 2)}\n`);

  const masked = Object.entries(backend.env ?? {})
    .filter(([, value]) => value.includes("[redacted]"))
    .map(([key]) => key);
  if (masked.length)
    notes.push(
      `env ${masked.join(", ")} masked in results.json: put real values back if the backend needs them`,
    );
  if (backend.url)
    notes.push(`the backend was given by URL (${backend.url}): start it yourself before running`);
  const command = `cd ${shellQuote(dir)} && npx streamchaos run`;
  await write("README.md", readme({ run, result, scenario, backend: runnable, edge, command, notes, files }));
  return { dir, files, command, notes };
}

function needSetup(run: RunResult): RunSetup {
  if (run.setup) return run.setup;
  throw new UserError("REPRO_NO_SETUP", {
    what: "The results.json holds no setup to reproduce from",
    why: `it has no "setup" (backends, edges, scenarios as they ran): the streamchaos that wrote it (${run.tool?.version ?? "unknown version"}) did not record one`,
    fix: "Run the scenario again with this streamchaos (`streamchaos run --scenario ID --reporter json`), then repro that results.json.",
  });
}

const scriptsOf = (scenario: Scenario): ScriptJson[] => [
  scenario.script,
  ...(scenario.matchScripts ?? []).map((m) => m.script),
];

/** Copies each cassette the scenario replays beside it, and names it relative to scenario.json. */
async function copyCassettes(
  scenario: Scenario,
  setup: RunSetup,
  dir: string,
  notes: string[],
): Promise<{ scenario: Scenario; files: string[] }> {
  const names = new Map<string, string>();
  const files: string[] = [];
  for (const script of scriptsOf(scenario)) {
    const path = script.content?.cassette;
    if (typeof path !== "string" || names.has(path)) continue;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (cause) {
      throw new UserError("REPRO_CASSETTE_MISSING", {
        what: `The cassette scenario "${scenario.id}" replayed is gone: ${path}`,
        why: (cause as NodeJS.ErrnoException).code ?? String(cause),
        fix: "Restore it (from version control), then run repro again: the result cannot be re-run without the recording.",
      });
    }
    const name = names.size === 0 ? basename(path) : `${names.size + 1}-${basename(path)}`;
    names.set(path, name);
    await copyFile(path, join(dir, name));
    files.push(name);
    const recorded = setup.cassettes[path];
    if (recorded && createHash("sha256").update(bytes).digest("hex") !== recorded) {
      notes.push(`${name} changed since the run (sha256 differs): the repro replays the file as it is now`);
    }
  }
  const relative = (script: ScriptJson): ScriptJson => {
    const path = script.content?.cassette;
    return typeof path === "string" && names.has(path)
      ? { ...script, content: { ...script.content, cassette: `./${names.get(path)}` } }
      : script;
  };
  return {
    scenario: {
      ...scenario,
      script: relative(scenario.script),
      ...(scenario.matchScripts
        ? { matchScripts: scenario.matchScripts.map((m) => ({ ...m, script: relative(m.script) })) }
        : {}),
    },
    files,
  };
}

/** The edge as it ran: a profile by name, or your own config file copied beside the config. */
async function edgeFor(
  setup: RunSetup,
  result: ScenarioResult,
  dir: string,
  files: string[],
): Promise<{ edge: string; profile?: string; config?: string }> {
  const candidates = setup.edges.filter((e) => e.edge === result.edge);
  const own = candidates.find((e) => e.config !== undefined);
  const byProfile = candidates.find((e) => e.config === undefined);
  if (own && !(byProfile && result.profile !== undefined && byProfile.profile === result.profile)) {
    const name = `edge-${basename(own.config!)}`;
    await copyFile(own.config!, join(dir, name));
    files.push(name);
    return { edge: result.edge, config: name };
  }
  return { edge: result.edge, ...(result.profile ? { profile: result.profile } : {}) };
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}

function readme(input: {
  run: RunResult;
  result: ScenarioResult;
  scenario: Scenario;
  backend: BackendSetup;
  edge: { edge: string; profile?: string; config?: string };
  command: string;
  notes: string[];
  files: string[];
}): string {
  const { run, result, scenario, backend, edge, command, notes } = input;
  const when = new Date(run.startedAt).toISOString();
  const verdict = `${result.status}${result.expected ? ` (expected: ${result.expected})` : ""}${result.reason ? `: ${result.reason}` : ""}`;
  const rows = result.checks.map(
    (c) => `| \`${c.check}\` | ${c.status} | ${c.summary.replaceAll("|", "\\|").replaceAll("\n", " ")} |`,
  );
  const edgeText = edge.config
    ? `${edge.edge} with your config, copied here as \`${edge.config}\``
    : `${edge.edge}, profile ${edge.profile ?? "default"}`;
  const cassettes = input.files.filter((f) => f.endsWith(".cassette.json"));
  return [
    `# Repro: ${result.scenario.id} on ${result.backend} via ${result.edge}${result.profile ? ` (${result.profile})` : ""}`,
    "",
    `${scenario.title}. Incident: ${scenario.incident}.`,
    "",
    `This folder re-runs that one result of the run started ${when}.`,
    "",
    "## Run it",
    "",
    "```sh",
    command,
    "```",
    "",
    "It runs this scenario on this backend and edge, one lane, and writes `report/results.json`. It",
    "exits 1 while the scenario fails and 0 once it passes: the backend's `expectFailures` is left",
    "out, so a known failure shows as one.",
    "",
    "## What the original run saw",
    "",
    `Verdict: **${verdict}** (runtime ${result.runtime}, ${Math.round(result.durationMs)} ms; ${Object.entries(
      run.environment,
    )
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}).`,
    "",
    ...(rows.length ? ["| check | status | summary |", "| --- | --- | --- |", ...rows, ""] : []),
    "`original-result.json` holds it whole, evidence and timeline included.",
    "",
    "## What is here",
    "",
    `- \`streamchaos.config.json\`: backend \`${backend.name}\` (${backend.provider}) as the run configured it, the edge (${edgeText}), and only this scenario.`,
    "- `scenario.json`: the scenario as it ran (script, toxics, requests, checks), included by the config.",
    ...cassettes.map(
      (f) => `- \`${f}\`: the recording it replays, copied; \`scenario.json\` names it relative to itself.`,
    ),
    "- `original-result.json`: the result being reproduced.",
    "",
    "## Not copied",
    "",
    backend.cwd
      ? `- The backend's code: it runs from \`${backend.cwd}\` as that folder is now (absolute path). Check out the commit the run tested to reproduce it exactly.`
      : `- The backend itself: ${backend.url ? `it runs at ${backend.url}` : `image ${backend.image ?? "(none)"}`}, outside this folder.`,
    ...(edge.config
      ? [
          "- Files your edge config includes or points at: it was copied on its own, so such paths must still resolve.",
        ]
      : []),
    ...notes.map((n) => `- Note: ${n}.`),
    "",
  ].join("\n");
}
