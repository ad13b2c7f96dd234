import { AsyncLocalStorage } from "node:async_hooks";
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

/**
 * The user's own checks (config `checks`), for the run that declared them. Scoped to that run's
 * async work rather than added to the registry: two suites in one process (a user's vitest files)
 * may each define a check of the same name, and neither may see the other's.
 */
const userChecks = new AsyncLocalStorage<ReadonlyMap<string, CheckDefinition>>();

/** Runs `work` with `checks` found by name beside the built-in ones. */
export function withUserChecks<T>(
  checks: ReadonlyMap<string, CheckDefinition>,
  work: () => Promise<T>,
): Promise<T> {
  return userChecks.run(checks, work);
}

export async function getCheck(name: string, where: string): Promise<CheckDefinition> {
  const mine = userChecks.getStore();
  const checks = await loadChecks();
  const check = mine?.get(name) ?? checks.get(name);
  if (!check) {
    throw new UserError("UNKNOWN_CHECK", {
      what: `Unknown check "${name}" in ${where}`,
      why: `the known checks are ${[...checks.keys(), ...(mine?.keys() ?? [])].join(", ")}`,
      fix: "Fix the check name, or define it: `checks: [defineCheck({ name, description, run })]` in your config.",
    });
  }
  return check;
}
