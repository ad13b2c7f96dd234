import type { Capability, Scenario } from "../../scenarios/scenario.ts";
import { CLIENTS } from "../probe/clients.ts";
import type { ProbeClientName } from "../probe/observation.ts";
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

/**
 * Toxics whose attributes count or pace bytes. On hop A of an h2 or browser lane they would count
 * TLS records and the handshake (a certificate is over 1 KB), not the HTTP response the scenario
 * sizes them for: 500 bytes would end the handshake, 24 B/s would stall it past every timeout.
 */
const BYTE_COUNTING_TOXICS = new Set(["limit_data", "bandwidth", "slicer"]);

/**
 * Toxics that drop every byte from the first one they see (Toxiproxy's `reset_peer` until its reset,
 * `timeout` until its close). On hop A of h1 the request has already gone upstream, so the backend
 * streams to a client that then vanishes. On TLS the first byte back is the server's handshake:
 * dropped, the handshake never completes and no request is ever made (measured: nginx logs "peer
 * closed connection in SSL handshake", the h2 probe ends connect-failed ECONNRESET at the toxic's
 * timeout, the fake provider gets no call). No timing fixes that: the toxic drops from its start.
 */
const DATA_DROPPING_TOXICS = new Set(["reset_peer", "timeout"]);

/** Why the scenario cannot mean on this client what it means on h1, before it runs. Undefined when it applies. */
export function clientMismatch(scenario: Scenario, client: ProbeClientName): string | undefined {
  if (!CLIENTS[client].needsTls) return undefined;
  const onA = (scenario.toxics ?? []).filter((t) => t.hop === "A");
  const counted = onA.filter((t) => BYTE_COUNTING_TOXICS.has(t.type));
  if (counted.length > 0)
    return `its ${counted.map((t) => t.type).join(", ")} toxic on hop A counts bytes of the HTTP/1.1 response, and the ${client} client's hop A carries TLS (the handshake and encrypted records), so the fault would land elsewhere; it runs on h1`;
  const dropping = onA.filter((t) => DATA_DROPPING_TOXICS.has(t.type));
  if (dropping.length > 0)
    return `its ${dropping.map((t) => t.type).join(", ")} toxic on hop A drops every byte from the first, and on the ${client} client's hop A the first byte back is the TLS handshake: the handshake never completes and no request reaches the backend, so there is no stream to cut; it runs on h1 (disconnect-mid-stream, a client leaving mid-answer, runs on every client)`;
  return undefined;
}
