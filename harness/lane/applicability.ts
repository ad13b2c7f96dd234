import type { Capability, Scenario } from "../../scenarios/scenario.ts";
import { missingLink } from "../services-config.ts";
import { sizingProblem } from "./backend-sizing.ts";
import type { LaneBackend } from "./lane-options.ts";

/** Why a missing capability makes a scenario meaningless, and what to declare if the backend has it. */
const MISSING: Record<Capability, { lacks: string; fix: string }> = {
  sessions: {
    lacks: "so no later request can supersede an earlier one",
    fix: "if the backend honours a session id, declare capabilities: { sessions: true }",
  },
  keepalives: {
    lacks: "so there is nothing to keep a stalled stream alive",
    fix: "if the backend sends keepalives the client can see, declare capabilities: { keepalives: true }",
  },
  doneSignal: {
    lacks: "so a complete answer cannot be told from a truncated one",
    fix: "declare capabilities: { doneSignal: true } if the stream ends with one",
  },
  errorMarker: {
    lacks: "so a broken answer cannot be marked in the stream",
    fix: "declare capabilities: { errorMarker: true } if the stream has one",
  },
};

/**
 * Why the scenario cannot mean anything on this backend, before it runs: a capability it requires
 * that the backend's contract does not declare, a service's hop it names that the backend lacks, or (for keepalives) no declared interval to hold
 * them to. Undefined when it applies.
 */
export function unmetRequirement(scenario: Scenario, backend: LaneBackend): string | undefined {
  const link = missingLink(scenario, backend);
  if (link !== undefined) return link;
  const { contract } = backend;
  for (const capability of scenario.requires ?? []) {
    if (!contract.capabilities[capability]) {
      const { lacks, fix } = MISSING[capability];
      return `the ${contract.name} contract declares no ${capability} (capabilities.${capability}), ${lacks}; ${fix}`;
    }
  }
  if (scenario.requires?.includes("keepalives") && backend.keepaliveMs === undefined) {
    return `backend "${backend.name}" declares no keepaliveMs, so there is no interval to hold its keepalives to (nor to size the stall by); set keepaliveMs to the interval it sends them at`;
  }
  return sizingProblem(scenario, backend);
}
