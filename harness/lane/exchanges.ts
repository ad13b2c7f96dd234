import type { FakeProviderClient } from "../../fakes/index.ts";
import type { JournalEntry } from "../../fakes/journal-types.ts";
import { delay, now } from "../../lib/clock.ts";
import type { Scenario, ScenarioRequest, ScriptJson } from "../../scenarios/scenario.ts";
import type { Exchange } from "../checks/check.ts";
import type { Contract, ContractRequest } from "../contracts/contract.ts";
import { type ClientKit, probeWith } from "../probe/clients.ts";
import type { ProbeOptions } from "../probe/index.ts";
import type { ProbeClientName, ProbeObservation } from "../probe/observation.ts";
import { probeDisconnect } from "./disconnect-trigger.ts";
import { carriesNonce } from "./fake-journal.ts";

/** What a lane's requests need: where they enter, how the backend is spoken to, the fake that answers. */
export interface ProbeTarget {
  entryUrl: string;
  contract: Contract;
  fake: FakeProviderClient;
  lanePrefix: string;
  /** Who makes the requests; absent means h1. */
  client?: ProbeClientName;
  clientKit?: ClientKit;
}

type ProbeLimits = Omit<ProbeOptions, "url" | "method" | "headers" | "body">;

/**
 * Sends the scenario's requests through the probe, each tagged with a nonce to match its upstream calls.
 * `signal` (a Ctrl-C) hangs every probe up at once.
 */
export async function runExchanges(
  target: ProbeTarget,
  scenario: Scenario,
  signal?: AbortSignal,
): Promise<Exchange[]> {
  const requests: ScenarioRequest[] = scenario.requests?.length ? scenario.requests : [{}];
  const running: Array<Promise<ProbeObservation>> = [];
  const nonces: string[] = [];
  for (const [i, request] of requests.entries()) {
    if (i > 0) {
      const previousNonce = nonces[i - 1]!;
      if (request.startAfterTokens !== undefined) {
        const tokens = request.startAfterTokens;
        await waitForContent(target.fake, previousNonce, tokens, 10_000, signal);
      } else {
        await running[i - 1];
      }
    }
    const nonce = `${target.lanePrefix}-${scenario.id}-r${i + 1}-${Math.random().toString(36).slice(2, 8)}`;
    nonces.push(nonce);
    const message = `${request.message ?? "Say hello"} [${nonce}]`;
    const contractRequest = target.contract.request({
      message,
      ...(request.sessionId ? { sessionId: `${target.lanePrefix}-${request.sessionId}` } : {}),
    });
    running.push(
      sendThroughProbe(target, contractRequest, {
        timeoutMs: request.timeoutMs ?? 10_000,
        idleTimeoutMs: request.idleTimeoutMs ?? 8_000,
        ...(request.disconnect ? { disconnect: probeDisconnect(target.contract, request.disconnect) } : {}),
        ...(signal ? { signal } : {}),
      }),
    );
  }
  const observations = await Promise.all(running);
  return observations.map((observation, i) =>
    toExchange(target.contract, requests[i]!, nonces[i]!, observation),
  );
}

/** Sends one contract request to the lane's entry (hop A) with its client, recording everything that comes back. */
export function sendThroughProbe(
  target: ProbeTarget,
  request: ContractRequest,
  limits: ProbeLimits,
): Promise<ProbeObservation> {
  return probeWith(target.client ?? "h1", target.clientKit ?? {}, {
    url: `${target.entryUrl}${request.path}`,
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body as object }),
    ...limits,
  });
}

/**
 * One request answered by a clean script (no fault), with the fake's journal after it: the
 * follow-up that proves the backend still serves, and the smoke exchange before the catalog.
 */
export async function runCleanExchange(
  target: ProbeTarget,
  script: ScriptJson,
  message: string,
  limits: ProbeLimits,
): Promise<{ request: ContractRequest; observation: ProbeObservation; journal: JournalEntry[] }> {
  await target.fake.reset();
  await target.fake.setScript(script);
  const request = target.contract.request({ message });
  const observation = await sendThroughProbe(target, request, { fetchView: false, ...limits });
  return { request, observation, journal: await target.fake.journal() };
}

/** An observation read through the contract; its upstream calls are matched once the journal has settled. */
export function toExchange(
  contract: Contract,
  request: ScenarioRequest,
  nonce: string,
  observation: ProbeObservation,
): Exchange {
  return { request, nonce, observation, view: contract.interpret(observation), upstream: [] };
}

/**
 * Starts a later request once the earlier one's provider call has emitted `tokens` content events.
 * The journal has no "N events" condition, so this polls it (bounded, 15 ms steps).
 */
async function waitForContent(
  fake: FakeProviderClient,
  nonce: string,
  tokens: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = now() + timeoutMs;
  while (now() < deadline && !signal?.aborted) {
    const entry = (await fake.journal()).find((e) => carriesNonce(e, nonce));
    if (
      entry &&
      (entry.events.filter((e) => e.kind === "content").length >= tokens || entry.outcome !== "in-progress")
    )
      return;
    await delay(15);
  }
}
