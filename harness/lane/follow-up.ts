import type { Scenario, ScriptJson } from "../../scenarios/scenario.ts";
import type { Exchange } from "../checks/check.ts";
import { type ProbeTarget, runCleanExchange, toExchange } from "./exchanges.ts";
import { upstreamFor } from "./fake-journal.ts";

/** A quick clean answer for the follow-up request that proves the backend still serves. */
const FOLLOW_UP_SCRIPT: ScriptJson = {
  name: "follow-up",
  content: { tokens: ["still ", "alive "] },
  finishReason: "stop",
};

/** After the scenario, one plain request with a clean script: does the backend still answer normally? */
export async function runFollowUp(
  target: ProbeTarget,
  scenario: Scenario,
  signal?: AbortSignal,
): Promise<Exchange> {
  const nonce = `${target.lanePrefix}-${scenario.id}-followup`;
  const { observation, journal } = await runCleanExchange(
    target,
    FOLLOW_UP_SCRIPT,
    `Are you still there? [${nonce}]`,
    { timeoutMs: 8_000, idleTimeoutMs: 6_000, ...(signal ? { signal } : {}) },
  );
  const exchange = toExchange(target.contract, {}, nonce, observation);
  exchange.upstream = upstreamFor(journal, exchange);
  return exchange;
}
