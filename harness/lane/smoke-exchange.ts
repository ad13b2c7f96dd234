import type { JournalEntry } from "../../fakes/journal-types.ts";
import { UserError } from "../../lib/errors.ts";
import type { ScriptJson } from "../../scenarios/scenario.ts";
import type { ContractRequest } from "../contracts/contract.ts";
import { contractPresets } from "../contracts/index.ts";
import type { ProbeObservation } from "../probe/observation.ts";
import { type ProbeTarget, runCleanExchange } from "./exchanges.ts";
import { carriesNonce } from "./fake-journal.ts";

/** A clean answer: whatever goes wrong in the smoke exchange is the setup's, not a fault's. */
const SMOKE_SCRIPT: ScriptJson = {
  name: "smoke",
  content: { tokens: ["smoke ", "test ", "ok"] },
  finishReason: "stop",
};
/** A backend may call the provider after it answered (a queue, a retry): a short grace for that. */
const LATE_CALL_MS = 1_000;
const EXCERPT_CHARS = 300;

/** What one smoke exchange showed, for the message when it failed. */
interface SmokeSeen {
  backend: string;
  client: string;
  request: ContractRequest;
  contractName: string;
  observation: ProbeObservation;
  journal: JournalEntry[];
  nonce: string;
}

/**
 * Before a backend's first scenario: one request with a clean scripted answer must reach the fake
 * provider carrying the scenario's message (its nonce), and come back as a complete 2xx answer.
 * Every upstream check matches the provider's calls to the probe's requests by that nonce, so a
 * backend that never forwards the message (it reads `{prompt}`, the contract sends `{message}`)
 * would have every such check silently degrade. A failure is a setup error (exit 2) that shows what
 * was sent, what the fake received and how to fix the contract. Resolves quietly when `signal`
 * aborted it (a Ctrl-C is no verdict on the setup).
 */
export async function runSmokeExchange(
  target: ProbeTarget,
  backend: string,
  signal?: AbortSignal,
): Promise<void> {
  const nonce = `${target.lanePrefix}-smoke`;
  const clean = await runCleanExchange(target, SMOKE_SCRIPT, `Say hello [${nonce}]`, {
    timeoutMs: 10_000,
    idleTimeoutMs: 8_000,
    ...(signal ? { signal } : {}),
  });
  if (signal?.aborted) return;
  const { request, observation } = clean;
  let journal = clean.journal;
  if (journal.length === 0 && isSuccess(observation)) {
    journal = await target.fake.waitFor({ event: "request" }, LATE_CALL_MS).catch(() => journal);
  }
  const client = target.client ?? "h1";
  const seen = { backend, client, request, contractName: target.contract.name, observation, journal, nonce };
  const carried = journal.some((entry) => carriesNonce(entry, nonce));
  if (!isSuccess(observation)) throw badAnswer(seen, carried);
  if (journal.length === 0) throw noProviderCall(seen);
  if (!carried) throw messageNotForwarded(seen);
  // A page on EventSource has no body of its own to show: the events are what reached it.
  if (!observation.complete || (observation.body.length === 0 && observation.sse.events.length === 0))
    throw incompleteAnswer(seen);
}

function isSuccess(observation: ProbeObservation): boolean {
  const status = observation.response?.statusCode;
  return status !== undefined && status >= 200 && status < 300;
}

function badAnswer(seen: SmokeSeen, carried: boolean): UserError {
  const { observation } = seen;
  const answered = observation.response
    ? `answered HTTP ${observation.response.statusCode}`
    : `did not answer (${observation.end.kind}${observation.end.detail ? `: ${observation.end.detail}` : ""})`;
  return new UserError("SETUP_SMOKE_BAD_STATUS", {
    what: `Backend "${seen.backend}" ${answered} to the smoke request${onClient(seen)}, before any scenario ran`,
    why: carried
      ? "the message reached the fake provider, which answered cleanly: the backend failed on a plain answer"
      : `the request the contract "${seen.contractName}" sends does not look like one this backend serves`,
    fix: carried
      ? "Check the backend's log for why it failed on a clean answer."
      : `Make the contract send what the backend's endpoint takes (path, body fields): ${REQUEST_FIX}`,
    details: [...described(seen), ...(carried ? [] : requestExample(seen))],
  });
}

function noProviderCall(seen: SmokeSeen): UserError {
  return new UserError("SETUP_SMOKE_NO_PROVIDER_CALL", {
    what: `Backend "${seen.backend}" answered the smoke request${onClient(seen)} without calling the fake provider`,
    why: "the fake provider (behind hop C) received no request, so no scenario's fault can reach the backend",
    fix: 'Is the backend\'s provider base URL templated from {{provider.url}} (e.g. env OPENAI_BASE_URL: "{{provider.url}}")? A backend that calls the real provider, a cache or a built-in mock never reaches the fake.',
    details: described(seen),
  });
}

function messageNotForwarded(seen: SmokeSeen): UserError {
  return new UserError("SETUP_SMOKE_MESSAGE_NOT_FORWARDED", {
    what: `Backend "${seen.backend}" called the provider without the message of the smoke request${onClient(seen)}`,
    why: `the fake received ${seen.journal.length} request(s), none carrying "${seen.nonce}": the backend reads the message from another field than the contract "${seen.contractName}" sends it in, so every check that matches provider calls to requests would silently degrade`,
    fix: `Send the message where the backend reads it: ${REQUEST_FIX}`,
    details: [...described(seen), ...requestExample(seen)],
  });
}

function incompleteAnswer(seen: SmokeSeen): UserError {
  const { observation } = seen;
  return new UserError("SETUP_SMOKE_INCOMPLETE_ANSWER", {
    what: `Backend "${seen.backend}" did not stream a complete answer to the smoke request${onClient(seen)}`,
    why: `the provider answered cleanly, but the probe saw ${observation.body.length} body bytes and the connection ended ${observation.end.kind}${observation.end.detail ? ` (${observation.end.detail})` : ""}`,
    fix: "Check the backend's log; a clean provider stream must reach the client whole before faults can be judged.",
    details: described(seen),
  });
}

/** The client, when it is not the default h1 (each client makes its own smoke request). */
function onClient(seen: SmokeSeen): string {
  return seen.client === "h1" ? "" : ` from the ${seen.client} client`;
}

const REQUEST_FIX =
  "override the contract's request() in streamchaos.config.ts (a JSON config can only name presets), e.g. as below.";

/** The request sent, the status, and what the fake received: the three facts every message shows. */
function described(seen: SmokeSeen): string[] {
  const { request, observation, journal } = seen;
  const lines = [`sent: ${request.method} ${request.path} ${excerpt(request.body)}`];
  lines.push(
    observation.response
      ? `backend answered: HTTP ${observation.response.statusCode}, ${observation.body.length} body bytes: ${excerpt(observation.text)}`
      : `backend answered: nothing (${observation.end.kind})`,
  );
  if (journal.length === 0) lines.push("the fake provider received: nothing");
  for (const entry of journal.slice(0, 3))
    lines.push(`the fake provider received: ${entry.method} ${entry.path} ${excerpt(entry.body)}`);
  if (journal.length > 3) lines.push(`... and ${journal.length - 3} more request(s)`);
  return lines;
}

function requestExample(seen: SmokeSeen): string[] {
  const preset = Object.hasOwn(contractPresets, seen.contractName)
    ? `...contractPresets[${JSON.stringify(seen.contractName)}]({}),`
    : "...yourContract,";
  const { method, path } = seen.request;
  return [
    `contract: defineContract({ ${preset}`,
    `  request: ({ message }) => ({ method: "${method}", path: "${path}", headers: { "content-type": "application/json" }, body: { prompt: message } }) }), // prompt: the field the backend reads`,
  ];
}

function excerpt(value: unknown): string {
  const text = value === undefined ? "(no body)" : typeof value === "string" ? value : JSON.stringify(value);
  return text.length > EXCERPT_CHARS ? `${text.slice(0, EXCERPT_CHARS)}…` : text;
}
