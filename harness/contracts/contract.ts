import type { Capability } from "../../scenarios/scenario.ts";
import type { ProbeObservation } from "../probe/observation.ts";
import type { PieceCounter } from "../probe/options.ts";

/**
 * A contract says how one backend endpoint speaks: what to send it, and how to read what comes back
 * (tokens, its in-stream error marker, its done signal). Checks ask the contract, never the raw
 * framing, so one catalog serves a text stream, an OpenAI relay and an SSE status/delta/done API.
 */
export interface ContractRequestInput {
  /** The user message; scenarios put recognisable words in it. */
  message: string;
  sessionId?: string;
  model?: string;
}

export interface ContractRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: unknown;
}

export interface ContractView {
  /** Content pieces in arrival order, with the time the probe received them. */
  tokens: Array<{ t: number; text: string }>;
  /** The assembled answer. */
  text: string;
  errorMarker?: { t: number; message: string; raw: string };
  done?: { t: number; raw: string };
  /** Events or lines that could not be read under this contract. */
  malformed: string[];
  /** Keepalives the client could see (SSE comments). */
  keepalives: Array<{ t: number; text: string }>;
}

/**
 * What a contract supports; checks and scenarios that need a capability it lacks are not
 * applicable, with the reason, instead of failing (or passing) for something the backend never
 * claimed. See `Capability` in scenarios/scenario.ts for what each one means.
 */
export type ContractCapabilities = Record<Capability, boolean>;

export interface Contract {
  name: string;
  description: string;
  framing: "sse" | "text" | "ndjson";
  capabilities: ContractCapabilities;
  request(input: ContractRequestInput): ContractRequest;
  interpret(observation: ProbeObservation): ContractView;
  /**
   * Counts this contract's content pieces as the body arrives, so a scenario's "leave after N
   * events" works on it. Optional: text counts reads and NDJSON lines (harness/contracts/pieces.ts),
   * SSE counts events; give one when your framing's pieces are something else.
   */
  pieceCounter?(): PieceCounter;
}

/** What every preset takes: `{ preset, path, model, capabilities }` in the config. */
export interface ContractPresetOptions {
  path?: string;
  model?: string;
  /** What the backend behind the preset supports beyond the preset's defaults, e.g. `{ sessions: true }`. */
  capabilities?: Partial<ContractCapabilities>;
}

/** A contract as people write it: capabilities they leave out take the defaults below. */
export type ContractDefinition = Omit<Contract, "capabilities"> & {
  capabilities?: Partial<ContractCapabilities>;
  /** Before capabilities: the same as `capabilities.doneSignal`. */
  hasDoneSignal?: boolean;
  /** Before capabilities: the same as `capabilities.keepalives`. */
  supportsKeepalives?: boolean;
};

/**
 * Defaults for a contract that does not say, chosen so that a missing declaration can never make
 * a verdict green: a done signal and an error marker are assumed (the checks hold the contract to
 * them, and a contract without them fails visibly until it declares `false`); sessions are not
 * (the session scenario is then not applicable, reported apart with the reason); keepalives follow
 * the framing (SSE comments are the only form a client sees).
 */
export function withCapabilities(contract: ContractDefinition): Contract {
  const { hasDoneSignal, supportsKeepalives, capabilities, ...rest } = contract;
  return {
    ...rest,
    capabilities: {
      sessions: capabilities?.sessions ?? false,
      keepalives: capabilities?.keepalives ?? supportsKeepalives ?? contract.framing === "sse",
      doneSignal: capabilities?.doneSignal ?? hasDoneSignal ?? true,
      errorMarker: capabilities?.errorMarker ?? true,
    },
  };
}

export function emptyView(): ContractView {
  return { tokens: [], text: "", malformed: [], keepalives: [] };
}

export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Walks SSE events of an observation and lets a contract classify each one. */
export function interpretSse(
  observation: ProbeObservation,
  classify: (event: { event?: string; data: string; t: number }, view: ContractView) => void,
): ContractView {
  const view = emptyView();
  for (const event of observation.sse.events) classify(event, view);
  for (const comment of observation.sse.comments) view.keepalives.push(comment);
  view.text = view.tokens.map((token) => token.text).join("");
  return view;
}
