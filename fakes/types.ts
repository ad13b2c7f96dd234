/**
 * The contracts between the three parts of the fake provider: a provider codec renders a
 * provider-neutral answer into wire bytes, a fault step bends how those bytes go out, and the
 * responder (fakes/responder/) walks the plan, paces it and fires the faults at their places.
 */
import type { ProviderName } from "./journal-types.ts";

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export type HeaderMap = Record<string, string | string[]>;

/** One write the codec plans. Rendered lazily so per-stream counters follow the real write order. */
export interface PlannedEvent {
  /** Journal kind: "content", "role", "tool-call", "thinking", "finish", "usage", "terminator", "keepalive", "error", "padding", "meta". */
  kind: string;
  /** The token, for content events. */
  text?: string;
  /** Carries the finish reason (a fault "after-finish" goes right after the last such event). */
  finish?: boolean;
  /** The provider's end-of-stream signal ([DONE], message_stop, response.completed, ...). */
  terminator?: boolean;
  /**
   * The bytes of this event for `stream` (content events are shared by every stream of a script): a
   * string goes out as UTF-8; a Buffer as it is (a replayed write need not be valid UTF-8 on its own).
   */
  render(stream: ProviderStream): string | Buffer;
  /** A script token (`text`), which a stream with `writeToken` may write straight into bytes. */
  readonly isToken?: boolean;
}

/** A function call the answer makes (OpenAI `tool_calls`, Anthropic `tool_use`): arguments as JSON text. */
export interface ToolCall {
  name: string;
  /** The arguments' JSON text, streamed in fragments as the model writes it. */
  arguments: string;
  /** The call id; default a random one per request (`call_…`, `toolu_…`). */
  id?: string;
}

/** What one request asked for, and the script's neutral answer. */
export interface RenderContext {
  provider: ProviderName;
  model: string;
  /** The parsed JSON request body ({} when absent or not JSON). */
  request: Record<string, unknown>;
  /** Codec-specific route detail (Gemini: "sse" | "array" | "unary"). */
  variant: string;
  tokens: readonly string[];
  /** Calls after the text (rendered by openai and anthropic; the other codecs answer with text only). */
  toolCalls?: readonly ToolCall[];
  /** Reasoning before the text (rendered by anthropic as a thinking block; the others leave it out). */
  thinking?: string;
  finishReason: FinishReason;
  usage: { promptTokens: number; completionTokens: number };
  /** Set by the omit-usage fault: render the answer with no usage block at all. */
  omitUsage: boolean;
  /** Seeded: obfuscation strings and padding repeat run to run. */
  rng: () => number;
}

export interface StreamErrorOptions {
  errorType?: string;
  message?: string;
  /** "nested" (default), "flat", or "failed" (openai-responses: a `response.failed` event). */
  shape?: "nested" | "flat" | "failed";
  /** HTTP-like code carried inside the error, where the provider puts one (Gemini, OpenRouter). */
  code?: number;
}

export interface HttpErrorSpec {
  status: number;
  message?: string;
  errorType?: string;
}

export interface RenderedBody {
  status: number;
  headers: HeaderMap;
  body: string;
}

/** One request's rendering state for one provider. */
export interface ProviderStream {
  /** Response headers of a successful stream (content-type, request ids, ratelimit headers...). */
  headers(): HeaderMap;
  /**
   * The complete clean answer, event by event, terminator included. It may be frozen: a plan
   * whose events render from the stream alone can be shared by every stream of its script
   * (OpenAI's text answers), and whoever edits a plan edits its own copy (ownPlan).
   */
  plan(): PlannedEvent[];
  /** A content event's bytes; `finish` when the token also carries the finish (Gemini's last chunk). */
  renderToken(text: string, finish: boolean): string;
  /**
   * Optional, for the write path: renderToken's bytes for the same draws, written straight into
   * `target` from `at`; returns how many, or -1, having written and drawn nothing, when they
   * might not fit before `limit`. Spares a paced or unpaced stream the string it would build,
   * flatten and encode for every token.
   */
  writeToken?(target: Buffer, at: number, limit: number, text: string, finish: boolean): number;
  /** The provider's own in-stream error, after which the stream is closed. */
  error(options: StreamErrorOptions): PlannedEvent[];
  /** The provider's keepalive during silence, or undefined if it has none (NDJSON). */
  keepalive(): PlannedEvent | undefined;
  /** A properly framed event whose JSON is cut short. */
  malformed(): PlannedEvent;
  /** The non-streaming answer. */
  unary(): RenderedBody;
  /** The provider's own pre-stream error response for `spec.status`. */
  httpError(spec: HttpErrorSpec): RenderedBody;
}

export interface RouteMatch {
  /** Model named in the path (Gemini), else taken from the body. */
  model?: string;
  variant: string;
}

/** One event of a captured stream, as recognition sees it (fakes/providers/recognize.ts). */
export interface EventSample {
  /** The SSE `event:` name, if the event had one. */
  event?: string;
  /** The SSE data (lines joined), the NDJSON line, or the comment text of a comment-only SSE block. */
  data: string;
  /** `data` parsed, when it is JSON. */
  json?: unknown;
  /** A comment-only SSE block (a keepalive). */
  comment?: boolean;
}

/** What one recorded event is, in the journal's terms: a replay journals its writes like a synthesized stream. */
export interface EventClass {
  /** The kind a synthesized stream journals for such an event ("content", "tool-call", "thinking", ...). */
  kind: string;
  /** The answer text it carries, for content events. */
  text?: string;
  /** It carries the finish reason. */
  finish?: boolean;
  /** It is the provider's end-of-stream signal. */
  terminator?: boolean;
}

/**
 * How a captured exchange is recognised as this provider's when its route says nothing (a gateway's
 * path, a raw `curl -N` capture, a browser's HAR of the user's own backend).
 */
export interface ProviderSignature {
  /** Lower-case header names, or name prefixes ending in "-", that only this provider's traffic carries. */
  headers: readonly string[];
  /** Whether one event is this provider's own (no other provider's event may pass). */
  event(sample: EventSample): boolean;
}

export interface Codec {
  name: ProviderName;
  defaultModel: string;
  /** What a client puts in its base-URL setting, relative to the server's origin ("" or "/v1"...). */
  baseUrlPath: string;
  /** The environment variable the provider's own SDKs read that base URL from (printed by `record`). */
  baseUrlEnv: string;
  signature: ProviderSignature;
  /** What one of this provider's recorded events is (a cassette replay journals by it). */
  classify(sample: EventSample): EventClass;
  route(method: string, pathname: string, query: URLSearchParams): RouteMatch | undefined;
  /** Whether this request asks for a stream (Ollama streams unless `stream:false`). */
  wantsStream(request: Record<string, unknown>, route: RouteMatch): boolean;
  open(ctx: RenderContext): ProviderStream;
}

/** A field of a fake's script that failed validation. */
export interface ScriptIssue {
  /** Dotted path of the bad field, e.g. "faults[0].status". */
  field: string;
  message: string;
}

/** The status line and headers a fake answers with, before its body. */
export interface ResponseHead {
  status: number;
  /** The reason phrase, when it must be a given one (a replay's recorded one); else Node's. */
  statusText?: string;
  /** By name, or (a replay, keeping case, order and repeats) as a flat [name, value, ...] list. */
  headers: HeaderMap | string[];
}
