import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Scenario } from "../scenarios/scenario.ts";
import type { ResolvedBackend, ResolvedConfig } from "./config.ts";
import type { BackendSetup, RunSetup } from "./results.ts";

/**
 * The setup a run leaves in its results: its backends and edges as configured and its scenarios as
 * data, so that `streamchaos repro` can re-run any one result. The runner masks secrets in it like
 * everything else that leaves it (env values by name, shape and known value).
 */
export async function describeSetup(
  config: ResolvedConfig,
  scenarios: readonly Scenario[],
): Promise<RunSetup> {
  const cassettes: Record<string, string> = {};
  for (const scenario of scenarios) {
    for (const script of [scenario.script, ...(scenario.matchScripts ?? []).map((m) => m.script)]) {
      const path = script.content?.cassette;
      if (typeof path !== "string" || path in cassettes) continue;
      const bytes = await readFile(path).catch(() => undefined);
      if (bytes) cassettes[path] = createHash("sha256").update(bytes).digest("hex");
    }
  }
  return {
    ...(config.file ? { configFile: config.file } : {}),
    cwd: process.cwd(),
    backends: config.backends.map(backendSetup),
    edges: config.edges.map((e) => ({ ...e })),
    scenarios: Object.fromEntries(scenarios.map((s) => [s.id, s])),
    cassettes,
  };
}

function backendSetup(backend: ResolvedBackend): BackendSetup {
  const ref = backend.contractRef;
  const contract =
    typeof ref === "string"
      ? ref
      : "interpret" in ref
        ? { custom: backend.contract.name }
        : {
            preset: ref.preset,
            ...(ref.path ? { path: ref.path } : {}),
            ...(ref.model ? { model: ref.model } : {}),
            // What the backend declared it supports decides which scenarios apply: a repro without
            // it would report a scenario that needs sessions as not applicable.
            ...(ref.capabilities ? { capabilities: { ...ref.capabilities } } : {}),
          };
  const { contract: _resolved, contractRef: _ref, services, ...rest } = backend;
  return {
    ...structuredClone(rest),
    // As configured: the start order and what each names are derived again when the repro loads it.
    ...(services
      ? { services: services.map(({ dependsOn: _derived, ...service }) => structuredClone(service)) }
      : {}),
    contract,
  };
}
