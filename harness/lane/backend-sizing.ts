import { UserError } from "../../lib/errors.ts";
import type { Scenario, ScenarioRequest, ScriptJson } from "../../scenarios/scenario.ts";
import { allowedKeepaliveSilenceMs } from "../checks/keepalives-during-stall.ts";

/**
 * Scenarios are data, but some lengths only mean something relative to the backend: a stall
 * long enough to show a missing keepalive is a few of *its* keepalive intervals. A fault parameter
 * written `{ keepaliveIntervals: n }` (e.g. `{ fault: "stall", ms: { keepaliveIntervals: 4 } }`) is
 * resolved here, by the lane, before the fake is scripted: nothing else is sized implicitly.
 */
export interface KeepaliveSized {
  keepaliveIntervals: number;
}

export interface BackendBounds {
  name: string;
  keepaliveMs?: number;
  upstreamTimeoutMs?: number;
}

/** The backend's own bound on a silent provider when it declares none (as timely-give-up assumes). */
const DEFAULT_UPSTREAM_TIMEOUT_MS = 30_000;
/** A stall at most this share of the backend's upstream timeout, so the backend does not give up first. */
const UPSTREAM_TIMEOUT_SHARE = 0.8;
/** How much longer than the allowed silence a stall must be, so a missing keepalive shows plainly. */
const MARGIN_MS = 500;

/**
 * n keepalive intervals, but at least the allowed silence plus a margin (so that a short interval
 * still gives a stall a missing keepalive shows in), and at most 80% of the backend's upstream
 * timeout (so it is the backend's keepalives being tested, not its give-up).
 */
export function keepaliveStallMs(intervals: number, backend: BackendBounds): number {
  const keepaliveMs = requireKeepaliveMs(backend);
  const wanted = Math.max(intervals * keepaliveMs, allowedKeepaliveSilenceMs(keepaliveMs) + MARGIN_MS);
  const cap = Math.floor((backend.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS) * UPSTREAM_TIMEOUT_SHARE);
  return Math.min(wanted, cap);
}

/**
 * Why a backend-sized stall cannot judge this backend's keepalives: its upstream timeout leaves no
 * room for a stall longer than the silence its interval allows. Undefined when it can.
 */
export function sizingProblem(scenario: Scenario, backend: BackendBounds): string | undefined {
  if (backend.keepaliveMs === undefined) return undefined;
  for (const intervals of sizedParams(scenario)) {
    const stall = keepaliveStallMs(intervals, backend);
    const allowed = allowedKeepaliveSilenceMs(backend.keepaliveMs);
    // Half the margin at least, or a missing keepalive would show by a few milliseconds of timer noise.
    if (stall < allowed + MARGIN_MS / 2) {
      return `backend "${backend.name}" gives up on a silent provider after ${backend.upstreamTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS} ms (upstreamTimeoutMs${backend.upstreamTimeoutMs === undefined ? ", default" : ""}), too soon for a stall clearly longer than the ${allowed} ms of silence its keepaliveMs of ${backend.keepaliveMs} allows; raise upstreamTimeoutMs or lower keepaliveMs for this test`;
    }
  }
  return undefined;
}

/**
 * The scenario with every backend-sized parameter resolved, and its requests' timeouts stretched
 * by the stall (the probe must not give up on a stall the scenario itself made longer). The same
 * object when nothing is sized.
 */
export function sizeForBackend(scenario: Scenario, backend: BackendBounds): Scenario {
  if (sizedParams(scenario).length === 0) return scenario;
  let longest = 0;
  const size = (script: ScriptJson): ScriptJson => {
    if (!script.faults) return script;
    const faults = script.faults.map((fault) => {
      const resolved: typeof fault = { ...fault };
      for (const [key, value] of Object.entries(fault)) {
        if (!isSized(value)) continue;
        const ms = keepaliveStallMs(value.keepaliveIntervals, backend);
        longest = Math.max(longest, ms);
        resolved[key] = ms;
      }
      return resolved;
    });
    return { ...script, faults };
  };
  const sized: Scenario = { ...scenario, script: size(scenario.script) };
  if (scenario.matchScripts) {
    sized.matchScripts = scenario.matchScripts.map((m) => ({ ...m, script: size(m.script) }));
  }
  const allowed = allowedKeepaliveSilenceMs(requireKeepaliveMs(backend));
  const requests: ScenarioRequest[] = scenario.requests?.length ? scenario.requests : [{}];
  sized.requests = requests.map((request) => ({
    ...request,
    timeoutMs: Math.max(request.timeoutMs ?? 10_000, longest + 8_000),
    // A backend that keeps the stream alive must not be cut by the probe's own idle timeout.
    idleTimeoutMs: Math.max(request.idleTimeoutMs ?? 8_000, allowed + 2_000),
  }));
  return sized;
}

function sizedParams(scenario: Scenario): number[] {
  const scripts = [scenario.script, ...(scenario.matchScripts ?? []).map((m) => m.script)];
  return scripts
    .flatMap((script) => script.faults ?? [])
    .flatMap((fault) => Object.values(fault).filter(isSized))
    .map((value) => value.keepaliveIntervals);
}

function isSized(value: unknown): value is KeepaliveSized {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as KeepaliveSized).keepaliveIntervals === "number"
  );
}

function requireKeepaliveMs(backend: BackendBounds): number {
  if (backend.keepaliveMs !== undefined) return backend.keepaliveMs;
  throw new UserError("SCENARIO_NEEDS_KEEPALIVE_MS", {
    what: `A scenario sizes a fault by keepalive intervals, but backend "${backend.name}" declares no keepaliveMs`,
    fix: 'Set keepaliveMs on the backend, and give the scenario requires: ["keepalives"] so it is not applicable without one.',
  });
}
