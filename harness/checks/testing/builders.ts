import type { JournalEntry, JournalEvent } from "../../../fakes/journal-types.ts";
import type { Scenario } from "../../../scenarios/scenario.ts";
import type { Contract } from "../../contracts/contract.ts";
import { openaiRelay } from "../../contracts/openai-relay.ts";
import type { ProbeObservation } from "../../probe/observation.ts";
import type { CheckContext, Exchange } from "../check.ts";

/** A probe observation of an SSE response whose events arrive at the given times (ms after t0). */
export function sseObservation(
  events: Array<{ at: number; data: string; event?: string }>,
  options: {
    status?: number;
    headers?: Array<[string, string]>;
    terminator?: boolean;
    end?: ProbeObservation["end"]["kind"];
    comments?: number[];
    body?: string;
  } = {},
): ProbeObservation {
  const t0 = 1_000_000;
  const status = options.status ?? 200;
  const body =
    options.body ?? events.map((e) => `${e.event ? `event: ${e.event}\n` : ""}data: ${e.data}\n\n`).join("");
  const reads = events.map((e) => ({ t: t0 + e.at, bytes: Buffer.from(`data: ${e.data}\n\n`) }));
  for (const at of options.comments ?? []) reads.push({ t: t0 + at, bytes: Buffer.from(": keepalive\n\n") });
  reads.sort((a, b) => a.t - b.t);
  const terminator = options.terminator ?? true;
  const lastT = reads.at(-1)?.t ?? t0;
  return {
    request: { method: "POST", url: "http://127.0.0.1:1/v1/chat/completions", headers: {} },
    startedAt: t0 - 5,
    reads,
    response: {
      statusCode: status,
      statusText: status === 200 ? "OK" : "Error",
      httpVersion: "1.1",
      headers: options.headers ?? [
        ["Content-Type", "text/event-stream; charset=utf-8"],
        ["Cache-Control", "no-cache"],
        ["X-Accel-Buffering", "no"],
        ["Transfer-Encoding", "chunked"],
      ],
      headersAt: t0,
      framing: "chunked",
    },
    chunks: [],
    body: Buffer.from(body),
    bodyReads: reads,
    terminatorSeen: terminator,
    complete: terminator,
    end: { kind: options.end ?? (terminator ? "clean" : "fin-mid-body"), t: lastT + 1 },
    sse: {
      events: events.map((e) => ({ t: t0 + e.at, data: e.data, ...(e.event ? { event: e.event } : {}) })),
      comments: (options.comments ?? []).map((at) => ({ t: t0 + at, text: "keepalive" })),
      errors: [],
    },
    text: body,
    fetchView: { outcome: terminator ? "complete" : "terminated" },
  };
}

export function chunkData(text: string): string {
  return JSON.stringify({ choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
}

export function journalEntry(
  tokens: Array<{ at: number; text: string }>,
  extra: Partial<JournalEntry> = {},
): JournalEntry {
  const t0 = 1_000_000;
  const events: JournalEvent[] = tokens.map((token, index) => ({
    index,
    t: t0 + token.at,
    bytes: 40,
    kind: "content",
    text: token.text,
  }));
  return {
    id: 1,
    provider: "openai",
    method: "POST",
    path: "/v1/chat/completions",
    query: "",
    headers: {},
    body: { messages: [{ role: "user", content: "hi [nonce-1]" }] },
    script: "test",
    status: 200,
    faults: [],
    events,
    t: { received: t0 - 3, headersSent: t0 - 2, responseEnded: t0 + (tokens.at(-1)?.at ?? 0) + 1 },
    outcome: "complete",
    ...extra,
  };
}

export function context(
  exchanges: Exchange[],
  extra: Partial<CheckContext> = {},
  contract: Contract = openaiRelay(),
): CheckContext {
  return {
    scenario: {
      id: "t",
      title: "t",
      incident: "t",
      category: "baseline",
      why: "t",
      script: {},
      checks: [],
    } satisfies Scenario,
    contract,
    edge: { name: "direct", profile: "default" },
    backend: { name: "b", keepaliveMs: 400, upstreamTimeoutMs: 3000 },
    exchanges,
    journal: exchanges.flatMap((e) => e.upstream),
    backendLogs: [],
    edgeLogs: [],
    backendAlive: true,
    ...extra,
  };
}

export function exchange(
  observation: ProbeObservation,
  upstream: JournalEntry[] = [],
  contract: Contract = openaiRelay(),
): Exchange {
  return { request: {}, nonce: "nonce-1", observation, view: contract.interpret(observation), upstream };
}
