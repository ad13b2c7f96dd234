import { fileURLToPath } from "node:url";
import { UserError } from "../lib/errors.ts";
import { moduleFiles } from "../lib/module-files.ts";
import type { Scenario } from "./scenario.ts";

export type {
  Capability,
  CheckRef,
  Hop,
  HopToxic,
  Scenario,
  ScenarioCategory,
  ScenarioRequest,
  ScenarioSource,
  ScriptJson,
} from "./scenario.ts";
export { checkName, decidingChecks, defineScenario, scriptedWaitMs } from "./scenario.ts";

/** Every file in catalog/ not starting with "_" default-exports one scenario: adding a scenario is adding a file. */
export async function loadCatalog(): Promise<Scenario[]> {
  const dir = new URL("./catalog/", import.meta.url);
  const files = (await moduleFiles(dir)).map((m) => m.file).filter((f) => !f.startsWith("_"));
  const scenarios: Scenario[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const module = (await import(new URL(file, dir).href)) as { default: Scenario };
    const scenario = module.default;
    const previous = seen.get(scenario.id);
    if (previous) throw new Error(`scenario id "${scenario.id}" is defined twice: ${previous} and ${file}`);
    seen.set(scenario.id, file);
    scenarios.push({ ...scenario, source: { builtin: true, file: fileURLToPath(new URL(file, dir)) } });
  }
  return scenarios;
}

/** Glob match on ids: `*` any run, `?` one character; several patterns separated by commas. */
export function matchesPattern(id: string, patterns: string[]): boolean {
  return patterns.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
    );
    return regex.test(id);
  });
}

/** Selects scenarios by glob; a pattern that matches nothing is a user error naming the near misses. */
export function selectScenarios(catalog: Scenario[], patterns: string[] | undefined): Scenario[] {
  if (!patterns || patterns.length === 0) return catalog;
  for (const pattern of patterns) {
    if (!catalog.some((s) => matchesPattern(s.id, [pattern]))) {
      const stem = pattern.replace(/[*?]/g, "").split("-")[0] ?? "";
      const near = catalog
        .filter((s) => stem && s.id.includes(stem))
        .map((s) => s.id)
        .slice(0, 8);
      throw new UserError("UNKNOWN_SCENARIO", {
        what: `No scenario matches "${pattern}"`,
        why: near.length ? `similar ids: ${near.join(", ")}` : `there are ${catalog.length} scenarios`,
        fix: "Run `streamchaos list` to see every scenario id; globs like `pre-*` or `mid-*,cleanup-*` work.",
      });
    }
  }
  return catalog.filter((s) => matchesPattern(s.id, patterns));
}
