import { UserError } from "../../lib/errors.ts";
import { moduleFiles } from "../../lib/module-files.ts";
import type { CheckDefinition } from "./check.ts";

export type { CheckContext, CheckDefinition, CheckOutcome, Exchange } from "./check.ts";

const NOT_CHECKS = new Set(["check", "evidence", "index", "run"]);

let registry: Map<string, CheckDefinition> | undefined;

/** Every file in this folder (but the helpers) default-exports one check: adding a check is adding a file. */
export async function loadChecks(): Promise<Map<string, CheckDefinition>> {
  if (registry) return registry;
  const files = (await moduleFiles(new URL(".", import.meta.url)))
    .filter((m) => !NOT_CHECKS.has(m.stem))
    .map((m) => m.file);
  const loaded = new Map<string, CheckDefinition>();
  for (const file of files) {
    const module = (await import(new URL(file, import.meta.url).href)) as { default: CheckDefinition };
    loaded.set(module.default.name, module.default);
  }
  registry = loaded;
  return loaded;
}

export async function getCheck(name: string, where: string): Promise<CheckDefinition> {
  const checks = await loadChecks();
  const check = checks.get(name);
  if (!check) {
    throw new UserError("UNKNOWN_CHECK", {
      what: `Unknown check "${name}" in ${where}`,
      why: `the known checks are ${[...checks.keys()].join(", ")}`,
      fix: "Fix the check name, or add a file to harness/checks/ that default-exports defineCheck({...}).",
    });
  }
  return check;
}
