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
  /**
   * How a page opens this endpoint with `EventSource`, for an SSE contract whose `request()` is not a
   * plain GET (EventSource sends GET only, with no body and no headers of the page's choosing): the
   * same-origin path with query that carries the message. With it, the browser client runs the
   * scenario's request as `new EventSource(path)` instead of `fetch()`. See `eventSourceRequest`.
   */
  eventSource?(input: ContractRequestInput): { path: string };
}

/** What every preset takes: `{ preset, path, model, capabilities }` in the config. */
export interface ContractPresetOptions {
  path?: string;
  model?: string;
  /** What the backend behind the preset supports beyond the preset's defaults, e.g. `{ sessions: true }`. */
  capabilities?: Partial<ContractCapabilities>;
  /**
   * A GET path the page can open with `EventSource` for the same stream, e.g.
   * `"/v1/stream?q={message}"`: `{message}`, `{session}` and `{model}` are filled in, URL-encoded.
   * The browser client then reads the stream as EventSource does (contract.eventSource).
   */
  eventSource?: string;
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

/** What fills an `eventSource` path template; anything else in braces is left for the user to see. */
const EVENT_SOURCE_FIELDS = ["message", "session", "model"] as const;

/** A preset's `eventSource` template as the contract's `eventSource()`, or nothing when not given. */
export function eventSourceFromTemplate(
  template: string | undefined,
  defaultModel: string | undefined,
): Pick<Contract, "eventSource"> {
  if (template === undefined) return {};
  return {
    eventSource: ({ message, sessionId, model }) => {
      const values: Record<(typeof EVENT_SOURCE_FIELDS)[number], string> = {
        message,
        session: sessionId ?? "",
        model: model ?? defaultModel ?? "",
      };
      return {
        path: template.replace(/\{(message|session|model)\}/g, (_, name: keyof typeof values) =>
          encodeURIComponent(values[name]),
        ),
      };
    },
  };
}

/** Why a path template cannot be an EventSource URL, or nothing when it can. */
export function eventSourceTemplateProblem(template: string): string | undefined {
  if (!template.startsWith("/")) return 'must be a same-origin path starting with "/"';
  if (!template.includes("{message}"))
    return "must carry the message, e.g. ?q={message}: the fake provider matches a request by it";
  const unknown = [...template.matchAll(/\{([^}]*)\}/g)]
    .map((m) => m[1]!)
    .filter((f) => !(EVENT_SOURCE_FIELDS as readonly string[]).includes(f));
  if (unknown.length > 0)
    return `{${unknown[0]}} is not a placeholder; the placeholders are ${EVENT_SOURCE_FIELDS.map((f) => `{${f}}`).join(", ")}`;
  return undefined;
}

/** How the browser client can make a contract's request with EventSource, or why it cannot. */
export type EventSourceRequest = { ok: true; path: string } | { ok: false; reason: string };

/**
 * Whether a page can open this contract's stream with `EventSource`: an SSE contract that says how
 * (`eventSource`), or whose own request is a GET without a body or headers beyond `Accept`.
 * Otherwise why not, for the evidence: a POST-only contract is not applicable, never a pass.
 */
export function eventSourceRequest(contract: Contract, input: ContractRequestInput): EventSourceRequest {
  if (contract.framing !== "sse")
    return {
      ok: false,
      reason: `EventSource reads SSE only, and contract "${contract.name}" streams ${contract.framing}`,
    };
  if (contract.eventSource) return { ok: true, path: contract.eventSource(input).path };
  const request = contract.request(input);
  const extraHeaders = Object.keys(request.headers).filter((h) => h.toLowerCase() !== "accept");
  if (request.method.toUpperCase() === "GET" && request.body === undefined && extraHeaders.length === 0)
    return { ok: true, path: request.path };
  const sends = [
    `${request.method} ${request.path.split("?")[0]}`,
    ...(request.body === undefined ? [] : ["a body"]),
    ...(extraHeaders.length ? [`headers (${extraHeaders.join(", ")})`] : []),
  ].join(" with ");
  return {
    ok: false,
    reason: `EventSource makes only GET requests without a body or headers of the page's choosing, and contract "${contract.name}" sends ${sends}: give the contract an \`eventSource\` GET path to have the page use EventSource`,
  };
}
