/**
 * The neutral stream every provider adapter produces and every downstream contract consumes.
 * `open` means the provider accepted the request (2xx, body starting); `terminator` is its own
 * end-of-stream signal (`[DONE]`, `message_stop`; Gemini's finishReason chunk stands in for one).
 */
export type UpstreamEvent =
  | { type: "open" }
  | { type: "token"; text: string }
  | { type: "finish"; reason: string }
  | { type: "usage"; inputTokens: number; outputTokens: number }
  | { type: "error"; message: string }
  | { type: "terminator" };

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  maxTokens: number;
  /** Whether to ask for `stream_options: {"include_usage": true}` (OpenAI-compatible only). */
  includeUsage: boolean;
}

export interface HttpCall {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One SSE event as eventsource-parser (or the naive splitter) hands it over. */
export interface SseEvent {
  event: string | undefined;
  data: string;
}

export interface ProviderAdapter {
  readonly name: string;
  /** Whether the provider ends a stream with its own terminator after the finish reason. */
  readonly hasTerminator: boolean;
  buildCall(baseUrl: string, apiKey: string, request: ChatRequest): HttpCall;
  /** Throws `MalformedEventError` when the data is not the JSON the provider promises. */
  parseEvent(event: SseEvent): UpstreamEvent[];
  /** The human message inside a provider's pre-stream JSON error body, if it has one. */
  errorMessage(body: string): string | undefined;
}

export class MalformedEventError extends Error {
  override name = "MalformedEventError";
  constructor(readonly data: string) {
    super(`malformed upstream event: ${JSON.stringify(data.slice(0, 120))}`);
  }
}

/** Parses an event's JSON data or throws `MalformedEventError`. */
export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new MalformedEventError(data);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return isRecord(value) ? value : {};
}

/** `{"error":{"message":…}}` (OpenAI, OpenRouter, Gemini) or `{"type":"error","error":{…}}` (Anthropic). */
export function nestedErrorMessage(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const error = asRecord(parsed).error;
    if (typeof error === "string") return error;
    const message = asRecord(error).message;
    if (typeof message === "string") return message;
    const topMessage = asRecord(parsed).message;
    return typeof topMessage === "string" ? topMessage : undefined;
  } catch {
    return undefined;
  }
}
