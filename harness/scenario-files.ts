import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../lib/errors.ts";
import type { Scenario, ScriptJson } from "../scenarios/scenario.ts";
import { importConfigModule } from "./config.ts";

const REQUIRED = ["id", "title", "incident", "category", "why", "script", "checks"] as const;

/**
 * Reads the scenario files a config includes: JSON (a scenario or a list of them) or a module
 * default-exporting one or a list. A cassette named by a relative path is read against the file
 * that names it (JSON has no import.meta.url). Each problem is a UserError naming the file.
 */
export async function loadScenarioFiles(files: readonly string[]): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const loaded = await readScenarioFile(file);
    for (const [i, raw] of (Array.isArray(loaded) ? loaded : [loaded]).entries()) {
      scenarios.push(anchored(checked(raw, Array.isArray(loaded) ? `${file} [${i}]` : file), dirname(file)));
    }
  }
  return scenarios;
}

/** The catalog with the included scenarios: one with a catalog id replaces that scenario. */
export function withIncluded(catalog: readonly Scenario[], included: readonly Scenario[]): Scenario[] {
  const ids = new Set(included.map((s) => s.id));
  return [...catalog.filter((s) => !ids.has(s.id)), ...included];
}

async function readScenarioFile(file: string): Promise<unknown> {
  let source: Buffer;
  try {
    source = await readFile(file);
  } catch (cause) {
    throw new UserError("SCENARIO_FILE_NOT_FOUND", {
      what: `Cannot read the scenario file ${file}`,
      why: (cause as NodeJS.ErrnoException).code ?? String(cause),
      fix: "Fix the path in the config's `include` (relative to the config file).",
      cause,
    });
  }
  try {
    if (file.endsWith(".json")) return JSON.parse(source.toString("utf8"));
    const module =
      file.endsWith(".ts") || file.endsWith(".mts")
        ? await importConfigModule(file, source)
        : ((await import(pathToFileURL(file).href)) as { default?: unknown });
    return module.default;
  } catch (cause) {
    throw new UserError("SCENARIO_FILE_INVALID", {
      what: `Cannot load the scenario file ${file}`,
      why: cause instanceof Error ? cause.message.split("\n")[0] : String(cause),
      fix: "Fix the file: JSON with one scenario or a list, or a module that default-exports defineScenario({...}).",
      cause,
    });
  }
}

function checked(raw: unknown, where: string): Scenario {
  const o =
    typeof raw === "object" && raw !== null && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : undefined;
  const missing = REQUIRED.filter((key) => o?.[key] === undefined);
  if (!o || missing.length > 0) {
    throw new UserError("SCENARIO_FILE_INVALID", {
      what: `${where} is not a scenario`,
      why: o ? `missing ${missing.join(", ")}` : "it is not an object",
      fix: `A scenario has ${REQUIRED.join(", ")} (scenarios/scenario.ts).`,
    });
  }
  return o as unknown as Scenario;
}

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
