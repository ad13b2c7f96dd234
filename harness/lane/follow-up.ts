import type { Scenario, ScriptJson } from "../../scenarios/scenario.ts";
import type { Exchange } from "../checks/check.ts";
import { type ProbeTarget, sendThroughProbe, toExchange } from "./exchanges.ts";
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
  await target.fake.reset();
  await target.fake.setScript(FOLLOW_UP_SCRIPT);
  const nonce = `${target.lanePrefix}-${scenario.id}-followup`;
  const request = target.contract.request({ message: `Are you still there? [${nonce}]` });
  const observation = await sendThroughProbe(target, request, {
    timeoutMs: 8_000,
    idleTimeoutMs: 6_000,
    fetchView: false,
    ...(signal ? { signal } : {}),
  });
  const journal = await target.fake.journal();
  const exchange = toExchange(target.contract, {}, nonce, observation);
  exchange.upstream = upstreamFor(journal, exchange);
  return exchange;
}
