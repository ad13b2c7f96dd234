import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { glob } from "tinyglobby";
import { checkScript } from "../fakes/script.ts";
import { UserError } from "../lib/errors.ts";
import { edges } from "../proxies/edges.ts";
import { toxicTypeNames } from "../proxies/toxiproxy/toxics/index.ts";
import { loadCatalog } from "../scenarios/index.ts";
import type { Scenario, ScriptJson } from "../scenarios/scenario.ts";
import { type ScenarioIssue, scenarioIssues } from "../scenarios/schema.ts";
import type { CheckDefinition } from "./checks/check.ts";
import { loadChecks } from "./checks/index.ts";
import type { ResolvedConfig } from "./config.ts";
import { describeLoadError, importUserModule } from "./user-modules.ts";

/**
 * The scenarios and checks one run knows: the built-in catalog and checks, plus the user's own from
 * their config (`include` globs of scenario files, inline scenarios, `checks`). Everything of the
 * user's is checked here, before anything starts, and a problem is a UserError (exit 2) naming the
 * file and the field: a scenario file that throws or exports nothing, an invalid field, an id that is
 * taken, a check that nobody defines.
 */
export interface RunCatalog {
  /** The built-in scenarios, then the user's; each with its `source`. */
  scenarios: Scenario[];
  /** The user's checks by name (the built-in ones are found by name anyway). */
  checks: ReadonlyMap<string, CheckDefinition>;
}

export type CatalogConfig = Pick<
  ResolvedConfig,
  "file" | "baseDir" | "include" | "inlineScenarios" | "checks" | "replaceBuiltins"
>;

export interface CatalogOptions {
  /** Where a warning goes (an include glob that matches nothing); default stderr. */
  warn?: (line: string) => void;
}

const BUILTIN = "a built-in scenario";

const SCENARIO_FIX =
  'Fix the field named above (a scenario\'s fields: README, "Your own scenarios"; `streamchaos list` shows the built-in ones).';

export async function loadRunCatalog(
  config: CatalogConfig,
  options: CatalogOptions = {},
): Promise<RunCatalog> {
  const warn = options.warn ?? ((line: string) => process.stderr.write(`${line}\n`));
  const configName = config.file ? displayPath(config.file) : "the config";
  const builtins = await loadCatalog();
  const builtinChecks = await loadChecks();
  const checks = userChecks(config.checks ?? [], builtinChecks, configName);

  const candidates: Candidate[] = [];
  for (const file of await includedFiles(config, warn)) candidates.push(...(await scenariosOfFile(file)));
  for (const { field, scenario } of config.inlineScenarios ?? []) {
    candidates.push({
      scenario,
      where: `inline scenario in ${configName}`,
      field: `${field}.`,
      file: config.file,
      dir: config.baseDir ?? process.cwd(),
    });
  }

  const known = new Set([...builtinChecks.keys(), ...checks.keys()]);
  // A built-in id is taken unless the config says to replace built-in scenarios (a repro folder
  // pins the scenario as it ran, under its own id).
  const taken = new Map(config.replaceBuiltins ? [] : builtins.map((s) => [s.id, BUILTIN]));
  const mine: Scenario[] = [];
  for (const candidate of candidates) {
    const scenario = validScenario(candidate, known);
    const holder = taken.get(scenario.id);
    if (holder) {
      throw new UserError("SCENARIO_INVALID", {
        what: `Invalid scenario in ${candidate.where}`,
        why: `${candidate.field}id: "${scenario.id}" is already the id of ${holder}`,
        fix:
          holder === BUILTIN
            ? "Give your scenario an id of its own (prefixing yours, e.g. `acme-…`, keeps them apart), or set `replaceBuiltins: true` in the config to run yours in its place."
            : "Give every scenario an id of its own.",
      });
    }
    taken.set(scenario.id, candidate.file ?? candidate.where);
    mine.push({
      ...scenario,
      source: { builtin: false, ...(candidate.file ? { file: candidate.file } : {}) },
    });
  }
  const replaced = new Set(mine.map((s) => s.id));
  return { scenarios: [...builtins.filter((s) => !replaced.has(s.id)), ...mine], checks };
}

interface Candidate {
  scenario: unknown;
  /** "chaos/a.scenario.ts", "inline scenario in streamchaos.config.ts" */
  where: string;
  /** Prefix of every field named in a message: "" for a file's single scenario, "default[1]." for an array's. */
  field: string;
  file?: string | undefined;
  /** What a relative path in the scenario (a cassette) is read against: its file's folder. */
  dir: string;
}

async function includedFiles(config: CatalogConfig, warn: (line: string) => void): Promise<string[]> {
  const cwd = config.baseDir ?? process.cwd();
  const files = new Set<string>();
  for (const pattern of config.include ?? []) {
    const matched = await glob(pattern, { cwd, absolute: true, ignore: ["**/node_modules/**"] });
    if (matched.length === 0) {
      warn(
        `streamchaos: warning: include "${pattern}" matches no file under ${cwd}` +
          (config.file ? ` (in ${displayPath(config.file)})` : ""),
      );
    }
    for (const file of matched) files.add(file);
  }
  return [...files].sort();
}

/** A module default-exporting a scenario or an array of them, or JSON holding one or an array. */
async function scenariosOfFile(file: string): Promise<Candidate[]> {
  const where = displayPath(file);
  const json = file.endsWith(".json");
  let module: Record<string, unknown>;
  try {
    module = json ? { default: JSON.parse(await readFile(file, "utf8")) } : await importUserModule(file);
  } catch (cause) {
    throw new UserError("SCENARIO_LOAD_FAILED", {
      what: `Cannot load scenario file ${where}`,
      why: describeLoadError(cause, file),
      fix: json
        ? "Fix the JSON: one scenario object, or an array of them."
        : "Fix the error in that file (run it with `npx tsx FILE` to see the full trace).",
      cause,
    });
  }
  const exported = module.default;
  if (exported === undefined || exported === null) {
    const named = Object.keys(module).filter((k) => k !== "default");
    throw new UserError("SCENARIO_INVALID", {
      what: `Scenario file ${where} exports nothing`,
      why: `default export: missing${named.length ? ` (it exports ${named.join(", ")} by name)` : ""}`,
      fix: "End it with `export default defineScenario({...})`, or export an array of them.",
    });
  }
  const dir = dirname(file);
  if (!Array.isArray(exported)) return [{ scenario: exported, where, field: "", file, dir }];
  if (exported.length === 0) {
    throw new UserError("SCENARIO_INVALID", {
      what: `Scenario file ${where} exports nothing`,
      why: "default export: an empty array",
      fix: "Put at least one defineScenario({...}) in it, or leave the file out of `include`.",
    });
  }
  const prefix = json ? "" : "default";
  return exported.map((scenario, i) => ({ scenario, where, field: `${prefix}[${i}].`, file, dir }));
}

/** The scenario, or a UserError naming the first bad field (the others as details). */
function validScenario(candidate: Candidate, knownChecks: ReadonlySet<string>): Scenario {
  const shape = scenarioIssues(candidate.scenario);
  const scenario = shape.length > 0 ? undefined : anchored(candidate.scenario as Scenario, candidate.dir);
  const issues = scenario ? namesAndScripts(scenario, knownChecks) : shape;
  if (scenario && issues.length === 0) return scenario;
  const [first, ...rest] = issues.map((i) => `${candidate.field}${i.field}: ${i.message}`);
  const unknownCheck = issues[0]?.message.startsWith("unknown check");
  throw new UserError(unknownCheck ? "UNKNOWN_CHECK" : "SCENARIO_INVALID", {
    what: `Invalid scenario in ${candidate.where}`,
    why: first!,
    fix: unknownCheck
      ? "Fix the name, or define the check in your config: `checks: [defineCheck({ name, description, run })]`."
      : SCENARIO_FIX,
    details: rest,
  });
}

/** What the shape cannot say: names that must exist in a registry, and the fakes' script rules. */
function namesAndScripts(scenario: Scenario, knownChecks: ReadonlySet<string>): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  for (const [i, ref] of scenario.checks.entries()) {
    const name = typeof ref === "string" ? ref : ref.check;
    if (!knownChecks.has(name)) {
      issues.push({
        field: typeof ref === "string" ? `checks[${i}]` : `checks[${i}].check`,
        message: `unknown check "${name}"; the checks are ${[...knownChecks].sort().join(", ")}`,
      });
    }
  }
  const names = new Set(scenario.checks.map((ref) => (typeof ref === "string" ? ref : ref.check)));
  for (const [i, name] of (scenario.decidedBy ?? []).entries()) {
    if (!names.has(name)) {
      issues.push({ field: `decidedBy[${i}]`, message: `"${name}" is not one of the scenario's checks` });
    }
  }
  const scripts = [
    { field: "script", script: scenario.script },
    ...(scenario.matchScripts ?? []).map((m, i) => ({
      field: `matchScripts[${i}].script`,
      script: m.script,
    })),
  ];
  // A script replaying a cassette is checked against its recording by the runner (checkReplays),
  // for the scenarios selected, with the cassette's own messages.
  for (const { field, script } of scripts.filter((s) => s.script.content?.cassette === undefined)) {
    const result = checkScript(script);
    if (!result.ok)
      issues.push(...result.issues.map((i) => ({ field: `${field}.${i.field}`, message: i.message })));
  }
  const toxics = toxicTypeNames();
  for (const [i, toxic] of (scenario.toxics ?? []).entries()) {
    if (!toxics.includes(toxic.type)) {
      issues.push({
        field: `toxics[${i}].type`,
        message: `unknown toxic "${toxic.type}"; allowed: ${toxics.join(", ")}`,
      });
    }
  }
  for (const [i, edge] of (scenario.edges ?? []).entries()) {
    if (!edges[edge]) {
      issues.push({
        field: `edges[${i}]`,
        message: `unknown edge "${edge}"; allowed: ${Object.keys(edges).join(", ")}`,
      });
    }
  }
  for (const [edge, profile] of Object.entries(scenario.profiles ?? {})) {
    const definition = edges[edge];
    if (!definition) {
      issues.push({
        field: `profiles.${edge}`,
        message: `unknown edge "${edge}"; allowed: ${Object.keys(edges).join(", ")}`,
      });
    } else if (!definition.profiles[profile]) {
      issues.push({
        field: `profiles.${edge}`,
        message: `unknown ${edge} profile "${profile}"; allowed: ${Object.keys(definition.profiles).join(", ")}`,
      });
    }
  }
  return issues;
}

/** A cassette named by a relative path is read against the file that names it (JSON has no import.meta.url). */
function anchored(scenario: Scenario, dir: string): Scenario {
  const anchor = (script: ScriptJson): ScriptJson => {
    const cassette = script.content?.cassette;
    if (typeof cassette !== "string" || isAbsolute(cassette) || cassette.startsWith("file:")) return script;
    return { ...script, content: { ...script.content, cassette: resolve(dir, cassette) } };
  };
  return {
    ...scenario,
    script: anchor(scenario.script),
    ...(scenario.matchScripts
      ? { matchScripts: scenario.matchScripts.map((m) => ({ ...m, script: anchor(m.script) })) }
      : {}),
  };
}

/** The config's `checks`, by name: each a defineCheck({...}) whose name no built-in check has. */
function userChecks(
  raw: unknown[],
  builtins: ReadonlyMap<string, CheckDefinition>,
  configName: string,
): Map<string, CheckDefinition> {
  const checks = new Map<string, CheckDefinition>();
  const invalid = (why: string, fix: string) =>
    new UserError("CONFIG_INVALID", { what: `Invalid config in ${configName}`, why, fix });
  for (const [i, value] of raw.entries()) {
    const check = value as Partial<CheckDefinition>;
    const bad =
      typeof check.name !== "string" || !/^[A-Za-z0-9][\w.-]*$/.test(check.name)
        ? ["name", "a name of letters, digits, '.', '_' or '-'"]
        : typeof check.description !== "string" || check.description === ""
          ? ["description", "say what it asserts (`streamchaos list --checks` shows it)"]
          : typeof check.run !== "function"
            ? ["run", "a function (context, options) => ({ status, summary, evidence })"]
            : undefined;
    if (bad)
      throw invalid(
        `checks[${i}].${bad[0]}: ${bad[1]}`,
        "Define it with defineCheck({ name, description, run }).",
      );
    const name = check.name!;
    if (builtins.has(name)) {
      throw invalid(
        `checks[${i}].name: "${name}" is a built-in check`,
        "Give your check a name of its own; the built-in one stays usable by its name.",
      );
    }
    if (checks.has(name)) {
      throw invalid(`checks[${i}].name: "${name}" is defined twice`, "Give every check its own name.");
    }
    checks.set(name, check as CheckDefinition);
  }
  return checks;
}

/** A path as the user would type it from here: relative below the working directory, else absolute. */
export function displayPath(file: string): string {
  const path = relative(process.cwd(), file);
  return path && !path.startsWith("..") && !isAbsolute(path) ? path : file;
}
