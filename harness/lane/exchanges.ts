import type { FakeProviderClient } from "../../fakes/index.ts";
import type { JournalEntry } from "../../fakes/journal-types.ts";
import { delay, now } from "../../lib/clock.ts";
import type { Scenario, ScenarioRequest, ScriptJson } from "../../scenarios/scenario.ts";
import type { Exchange } from "../checks/check.ts";
import {
  type Contract,
  type ContractRequest,
  type ContractRequestInput,
  eventSourceRequest,
} from "../contracts/contract.ts";
import { type BrowserApiOptions, type ClientKit, probeWith } from "../probe/clients.ts";
import type { ProbeOptions } from "../probe/index.ts";
import type { ProbeClientName, ProbeObservation, SseEventView } from "../probe/observation.ts";
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
    const input: ContractRequestInput = {
      message,
      ...(request.sessionId ? { sessionId: `${target.lanePrefix}-${request.sessionId}` } : {}),
    };
    running.push(
      sendThroughProbe(target, input, {
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

/**
 * The request a lane's client makes for one message: the contract's, or for the browser on an SSE
 * contract a page can open with EventSource, that GET (closed as the app would, on the contract's
 * done signal or error marker). Otherwise the browser runs fetch() and says why not EventSource.
 */
export function clientRequest(
  target: Pick<ProbeTarget, "client" | "contract">,
  input: ContractRequestInput,
): { request: ContractRequest; browser: BrowserApiOptions } {
  const { contract } = target;
  if (target.client !== "browser") return { request: contract.request(input), browser: {} };
  const es = eventSourceRequest(contract, input);
  if (!es.ok) return { request: contract.request(input), browser: { eventSourceNotApplicable: es.reason } };
  return {
    request: { method: "GET", path: es.path, headers: {} },
    browser: { api: "eventsource", eventSource: { closeWhen: (events) => appWouldClose(contract, events) } },
  };
}

/** A chat page closes its EventSource on the done signal or the error marker: the contract says which event is which. */
export function appWouldClose(contract: Contract, events: SseEventView[]): string | undefined {
  const view = contract.interpret(eventsAsObservation(events));
  if (view.done) return "done signal";
  if (view.errorMarker) return "error marker";
  return undefined;
}

function eventsAsObservation(events: SseEventView[]): ProbeObservation {
  return {
    client: "browser",
    request: { method: "GET", url: "", headers: {} },
    startedAt: 0,
    reads: [],
    chunks: [],
    body: Buffer.alloc(0),
    bodyReads: [],
    terminatorSeen: false,
    complete: false,
    end: { kind: "network-error", t: 0 },
    sse: { events, comments: [], errors: [], applied: true },
    text: "",
    fetchView: { outcome: "not-run" },
  };
}

/** Sends one message to the lane's entry (hop A) with its client, recording everything that comes back. */
export async function sendThroughProbe(
  target: ProbeTarget,
  input: ContractRequestInput,
  limits: ProbeLimits,
): Promise<ProbeObservation> {
  return (await sendMessage(target, input, limits)).observation;
}

async function sendMessage(
  target: ProbeTarget,
  input: ContractRequestInput,
  limits: ProbeLimits,
): Promise<{ request: ContractRequest; observation: ProbeObservation }> {
  const { request, browser } = clientRequest(target, input);
  const observation = await probeWith(
    target.client ?? "h1",
    target.clientKit ?? {},
    {
      url: `${target.entryUrl}${request.path}`,
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body as object }),
      ...limits,
    },
    browser,
  );
  return { request, observation };
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
  const { request, observation } = await sendMessage(target, { message }, { fetchView: false, ...limits });
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
