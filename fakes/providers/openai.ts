import type {
  Codec,
  EventClass,
  EventSample,
  FinishReason,
  HeaderMap,
  HttpErrorSpec,
  PlannedEvent,
  ProviderStream,
  RenderContext,
  RenderedBody,
  StreamErrorOptions,
} from "../types.ts";
import {
  argumentPieces,
  planned,
  pythonJson,
  randomAlnum,
  randomHex,
  sampleObject,
  seededAlnum,
  sse,
  tokenEvents,
  truncateJson,
  writeSeededAlnum,
} from "./shared.ts";

/**
 * OpenAI Chat Completions (wire-formats.md A1): `data:` lines only, LF framing, `data: [DONE]`.
 * Chunk key order, `service_tier`, `system_fingerprint` and `obfuscation` follow the gpt-3.5 capture.
 */

/** Default bodies per status, from the observed errors in A1 (message, type, code). */
const ERRORS: Record<number, [string, string, string | null]> = {
  400: ["Invalid request.", "invalid_request_error", null],
  401: [
    "Incorrect API key provided: sk-fake***************************************chao. You can find your API key at https://platform.openai.com/account/api-keys.",
    "invalid_request_error",
    "invalid_api_key",
  ],
  403: ["You are not allowed to access this resource.", "invalid_request_error", null],
  404: [
    "The model `gpt-4o` does not exist or you do not have access to it.",
    "invalid_request_error",
    "model_not_found",
  ],
  408: ["Request timed out.", "timeout", null],
  429: [
    "Rate limit reached for gpt-4 in organization org-streamchaos on tokens per min. Limit: 10000 / min. Please try again in 6ms. Visit https://platform.openai.com/account/rate-limits to learn more.",
    "tokens",
    "rate_limit_exceeded",
  ],
  500: ["The server had an error while processing your request. Sorry about that!", "server_error", null],
  503: [
    "That model is currently overloaded with other requests. You can retry your request, or contact us through our help center at help.openai.com if the error persists.",
    "server_error",
    null,
  ],
};

export function openaiErrorBody(spec: HttpErrorSpec): string {
  const [message, type, code] =
    ERRORS[spec.status] ??
    (spec.status >= 500
      ? ["The server had an error while processing your request. Sorry about that!", "server_error", null]
      : ["Invalid request.", "invalid_request_error", null]);
  const body = {
    error: { message: spec.message ?? message, type: spec.errorType ?? type, param: null, code },
  };
  // OpenAI pretty-prints error JSON with a 4-space indent and a trailing newline (A1, captured raw).
  return `${JSON.stringify(body, null, 4)}\n`;
}

/** Ratelimit and organisation headers as captured (newrelic mock of a real response). */
/** A non-streaming answer as OpenAI's APIs send it (chat and responses alike). */
export function openaiUnary(body: unknown, requestId: string): RenderedBody {
  // [I] non-streaming bodies are 2-space pretty-printed like the public API's.
  return {
    status: 200,
    headers: { "content-type": "application/json", ...openaiHeaders(requestId) },
    body: `${JSON.stringify(body, null, 2)}\n`,
  };
}

/** A pre-stream error as OpenAI's APIs send it: pretty-printed JSON with the request id. */
export function openaiHttpError(spec: HttpErrorSpec, requestId: string): RenderedBody {
  return {
    status: spec.status,
    headers: { "content-type": "application/json; charset=utf-8", "x-request-id": requestId },
    body: openaiErrorBody(spec),
  };
}

export function openaiHeaders(requestId: string): Record<string, string> {
  return {
    "openai-organization": "user-streamchaos0000000000000",
    "openai-processing-ms": "440",
    "openai-project": "proj_StreamchaosFakeProvider0",
    "openai-version": "2020-10-01",
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "50000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-remaining-tokens": "49999974",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "0s",
    "x-request-id": requestId,
  };
}

function streamOptions(ctx: RenderContext): { includeUsage: boolean; obfuscation: boolean } {
  const options = ctx.request.stream_options;
  const o = typeof options === "object" && options !== null ? (options as Record<string, unknown>) : {};
  // Obfuscation is on by default; only an explicit include_obfuscation:false turns it off.
  return { includeUsage: o.include_usage === true, obfuscation: o.include_obfuscation !== false };
}

interface ToolCallOut {
  name: string;
  arguments: string;
  id: string;
}

const choice = (delta: unknown, finish: string | null) => ({
  index: 0,
  delta,
  logprobs: null,
  finish_reason: finish,
});

/**
 * A token's JSON string as UTF-8, made once per distinct token text: a script's tokens are the
 * same few strings streamed again and again (every stream of it, every time it is played), and
 * serializing and encoding each per write was a tenth of a paced write's JavaScript (perf).
 * Bounded: a script of endless distinct tokens fills it once and then serializes as before.
 */
const tokenJsonCache = new Map<string, Buffer>();
const TOKEN_JSON_CACHE_LIMIT = 4096;

function tokenJson(text: string): Buffer {
  let json = tokenJsonCache.get(text);
  if (json === undefined) {
    json = Buffer.from(JSON.stringify(text), "utf8");
    if (tokenJsonCache.size < TOKEN_JSON_CACHE_LIMIT) tokenJsonCache.set(text, json);
  }
  return json;
}

// A content chunk is `#chunk([choice({ content }, null)])` put together from its fixed parts:
// serializing the whole object per token was a quarter of a paced stream's garbage. The providers
// test holds the two to the same bytes. Only what comes before the token names the stream (id,
// created, model); what comes after is one of four, by usage key and obfuscation: shared bytes,
// where a string and a buffer of it a stream had been kept for the stream's whole life.
const TOKEN_OPEN = '{"index":0,"delta":{"content":';
const TOKEN_CLOSE = '},"logprobs":null,"finish_reason":null}';
/** What follows a chunk's choices: `]`, and the usage key (null until the usage chunk) when asked for. */
const choicesTail = (usageKey: boolean) => `]${usageKey ? ',"usage":null' : ""}`;
/** Index: 2 with the usage key, plus 1 with obfuscation (whose letters writeToken draws after it). */
const TOKEN_TAILS = [false, true].flatMap((usageKey) =>
  [false, true].map((obfuscation) =>
    Buffer.from(
      `${TOKEN_CLOSE}${choicesTail(usageKey)}${obfuscation ? ',"obfuscation":"' : "}\n\n"}`,
      "utf8",
    ),
  ),
);
/** The opening chunk's one choice, serialized once: every stream that opens with text sends it. */
const ROLE_CHOICE = JSON.stringify(choice({ role: "assistant", content: "", refusal: null }, null));

/**
 * The finish chunk's choice for each finish reason, made once: serialized for every stream, it had
 * been a choice object, a delta and a string of garbage a stream.
 */
const finishChoice = (reason: FinishReason) => JSON.stringify(choice({}, reason));
const FINISH_CHOICES: Record<FinishReason, string> = {
  stop: finishChoice("stop"),
  length: finishChoice("length"),
  tool_calls: finishChoice("tool_calls"),
  content_filter: finishChoice("content_filter"),
};

/** ChatStream's shared text plans (#textPlan), by tokens array: without usage, with it. */
const textPlans = new WeakMap<readonly string[], [(readonly PlannedEvent[])?, (readonly PlannedEvent[])?]>();

/**
 * One Chat Completions stream. A class, not a closure over the request: tsx's keepNames wraps
 * every named closure in __name(), a property store of its own, and a stream had made a dozen per
 * request; methods live on the prototype, once.
 */
class ChatStream implements ProviderStream {
  readonly #ctx: RenderContext;
  readonly #id = `chatcmpl-${randomAlnum(29)}`;
  readonly #requestId = `req_${randomHex(32)}`;
  readonly #created = Math.floor(Date.now() / 1000);
  readonly #usageKey: boolean;
  readonly #obfuscation: boolean;
  readonly #calls: ToolCallOut[];
  /**
   * The same for the role and finish chunks, whose choices do not change within a stream: what
   * comes before the choice and after the choices' `]`. Rendered through #chunk, each had built
   * and serialized a chunk object per stream, ~1 KB of garbage apiece in a herd's heap profile.
   */
  readonly #choicesHead: string;
  readonly #choicesTail: string;
  /** What comes before a token's JSON, as bytes, for writeToken; made on its first call. */
  #headBytes: Buffer | undefined;

  // The events whose bytes come from the stream they are written to alone, one each for every
  // stream (planned): no two in one plan, so they still tell their places apart for the steps.
  static readonly #role = planned("role", (stream) => (stream as ChatStream).#choiceChunk(ROLE_CHOICE));
  static readonly #finish = planned(
    "finish",
    (stream) => {
      const chat = stream as ChatStream;
      return chat.#choiceChunk(FINISH_CHOICES[chat.#ctx.finishReason]);
    },
    { finish: true },
  );
  static readonly #usageEvent = planned("usage", (stream) => {
    const chat = stream as ChatStream;
    return sse(chat.#chunk([], chat.#usage()));
  });
  static readonly #done = planned("terminator", () => "data: [DONE]\n\n", { terminator: true });

  /**
   * A text answer's plan, one per tokens array (one a script: scriptTokens) and usage setting,
   * frozen and shared by every stream that answers it: its events render from the stream they are
   * written to, so nothing in it is a stream's own. A plan of its own had been a pointer per event
   * that each stream kept for its whole life, 1.6 KB for 200 tokens, and in a herd of paced streams
   * the scavenger copied it twice, once in the young generation and once into the old. The
   * responder copies it before a step inserts an event (StreamControl.insertBefore), and steps
   * that transform a plan get a copy (FaultSteps.transform).
   */
  static #textPlan(tokens: readonly string[], usage: boolean): PlannedEvent[] {
    let plans = textPlans.get(tokens);
    if (plans === undefined) {
      plans = [undefined, undefined];
      textPlans.set(tokens, plans);
    }
    const slot = usage ? 1 : 0;
    let plan = plans[slot];
    if (plan === undefined) {
      const events = [ChatStream.#role, ...tokenEvents(tokens), ChatStream.#finish];
      if (usage) events.push(ChatStream.#usageEvent);
      events.push(ChatStream.#done);
      plan = Object.freeze(events);
      plans[slot] = plan;
    }
    // Typed as the interface's array; frozen, so a write to it throws instead of reaching the
    // other streams that share it.
    return plan as PlannedEvent[];
  }

  constructor(ctx: RenderContext) {
    this.#ctx = ctx;
    const { includeUsage, obfuscation } = streamOptions(ctx);
    this.#usageKey = includeUsage && !ctx.omitUsage;
    this.#obfuscation = obfuscation;
    this.#calls =
      ctx.toolCalls === undefined || ctx.toolCalls.length === 0
        ? []
        : ctx.toolCalls.map((call) => ({ ...call, id: call.id ?? `call_${randomAlnum(24)}` }));
    this.#choicesHead = `data: {"id":${JSON.stringify(this.#id)},"object":"chat.completion.chunk","created":${this.#created},"model":${JSON.stringify(ctx.model)},"service_tier":"default","system_fingerprint":null,"choices":[`;
    this.#choicesTail = choicesTail(this.#usageKey);
  }

  #usage() {
    const { promptTokens, completionTokens } = this.#ctx.usage;
    return {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
  }

  #chunk(choices: unknown[], usageValue: unknown = null): string {
    const o: Record<string, unknown> = {
      id: this.#id,
      object: "chat.completion.chunk",
      created: this.#created,
      model: this.#ctx.model,
      service_tier: "default",
      system_fingerprint: null,
      choices,
    };
    // Without include_usage the chunks have no `usage` key at all (A1, gpt-4o capture).
    if (this.#usageKey) o.usage = usageValue;
    if (this.#obfuscation) o.obfuscation = seededAlnum(this.#ctx.rng, 16);
    return JSON.stringify(o);
  }

  /**
   * `sse(#chunk([choice]))` for one choice already serialized, with no usage value (null when the
   * key is there): the same bytes and the same obfuscation draw, from the stream's fixed parts.
   */
  #choiceChunk(choiceJson: string): string {
    return `${this.#choicesHead}${choiceJson}${this.#choicesTail}${this.#chunkEnd()}`;
  }

  /** What closes a chunk put together from fixed parts: its obfuscation (one draw) if on, `}` and the blank line. */
  #chunkEnd(): string {
    return this.#obfuscation ? `,"obfuscation":"${seededAlnum(this.#ctx.rng, 16)}"}\n\n` : "}\n\n";
  }

  /** A call opens with its id, type, name and empty arguments, then streams the arguments in pieces. */
  #callStart(i: number) {
    const call = this.#calls[i]!;
    return { index: i, id: call.id, type: "function", function: { name: call.name, arguments: "" } };
  }

  #toolCallEvents(): PlannedEvent[] {
    const noText = this.#ctx.tokens.length === 0;
    return this.#calls.flatMap((call, i) => [
      ...(i === 0 && noText
        ? []
        : [
            planned("tool-call", () =>
              sse(this.#chunk([choice({ tool_calls: [this.#callStart(i)] }, null)])),
            ),
          ]),
      ...argumentPieces(call.arguments).map((piece) =>
        planned("tool-call", () =>
          sse(this.#chunk([choice({ tool_calls: [{ index: i, function: { arguments: piece } }] }, null)])),
        ),
      ),
    ]);
  }

  headers(): HeaderMap {
    return { "content-type": "text/event-stream; charset=utf-8", ...openaiHeaders(this.#requestId) };
  }

  plan(): PlannedEvent[] {
    const ctx = this.#ctx;
    if (this.#calls.length === 0) return ChatStream.#textPlan(ctx.tokens, this.#usageKey);
    // With no text, the first chunk opens the first call itself, `content: null` (gpt-4o captures).
    const opening =
      this.#calls.length > 0 && ctx.tokens.length === 0
        ? planned("tool-call", () =>
            sse(
              this.#chunk([
                choice(
                  { role: "assistant", content: null, tool_calls: [this.#callStart(0)], refusal: null },
                  null,
                ),
              ]),
            ),
          )
        : ChatStream.#role;
    const events = [opening, ...tokenEvents(ctx.tokens)];
    if (this.#calls.length > 0) events.push(...this.#toolCallEvents());
    events.push(ChatStream.#finish);
    if (this.#usageKey) events.push(ChatStream.#usageEvent);
    events.push(ChatStream.#done);
    return events;
  }

  renderToken(text: string): string {
    return `${this.#choicesHead}${TOKEN_OPEN}${JSON.stringify(text)}${TOKEN_CLOSE}${this.#choicesTail}${this.#chunkEnd()}`;
  }

  /** renderToken's chunk written straight into the responder's scratch: its fixed parts copied as bytes. */
  writeToken(target: Buffer, at: number, limit: number, text: string): number {
    const obfuscation = this.#obfuscation;
    this.#headBytes ??= Buffer.from(`${this.#choicesHead}${TOKEN_OPEN}`, "utf8");
    const head = this.#headBytes;
    const tail = TOKEN_TAILS[(this.#usageKey ? 2 : 0) + (obfuscation ? 1 : 0)]!;
    const json = tokenJson(text);
    // The obfuscation's letters and `"}\n\n` take 20 more.
    if (at + head.length + json.length + tail.length + (obfuscation ? 20 : 0) > limit) return -1;
    let end = at + head.copy(target, at);
    end += json.copy(target, end);
    end += tail.copy(target, end);
    if (obfuscation) {
      end = writeSeededAlnum(this.#ctx.rng, 16, target, end);
      target[end++] = 0x22; // "
      target[end++] = 0x7d; // }
      target[end++] = 0x0a;
      target[end++] = 0x0a;
    }
    return end - at;
  }

  error(options: StreamErrorOptions): PlannedEvent[] {
    const message =
      options.message ?? "The server had an error while processing your request. Sorry about that!";
    const type = options.errorType ?? "server_error";
    // Nested is OpenAI's own shape (coder/aibridge fixture, Python-style spacing); flat is vLLM's.
    const data =
      options.shape === "flat"
        ? JSON.stringify({ object: "error", message, type, param: null, code: options.code ?? 500 })
        : pythonJson({ error: { message, type } });
    return [planned("error", () => sse(data))];
  }

  keepalive(): PlannedEvent {
    return planned("keepalive", () => ": keepalive\n\n");
  }

  malformed(): PlannedEvent {
    return planned("malformed", () => sse(truncateJson(this.#chunk([choice({ content: "broken" }, null)]))));
  }

  unary(): RenderedBody {
    const ctx = this.#ctx;
    const calls = this.#calls;
    const body = {
      id: this.#id,
      object: "chat.completion",
      created: this.#created,
      model: ctx.model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: calls.length > 0 && ctx.tokens.length === 0 ? null : ctx.tokens.join(""),
            ...(calls.length > 0
              ? {
                  tool_calls: calls.map((call) => ({
                    id: call.id,
                    type: "function",
                    function: { name: call.name, arguments: call.arguments },
                  })),
                }
              : {}),
            refusal: null,
            annotations: [],
          },
          logprobs: null,
          finish_reason: ctx.finishReason,
        },
      ],
      usage: ctx.omitUsage ? undefined : this.#usage(),
      service_tier: "default",
      system_fingerprint: null,
    };
    return openaiUnary(body, this.#requestId);
  }

  httpError(spec: HttpErrorSpec): RenderedBody {
    return openaiHttpError(spec, this.#requestId);
  }
}

const open = (ctx: RenderContext): ProviderStream => new ChatStream(ctx);

/**
 * What one Chat Completions chunk is (OpenAI, OpenRouter, vLLM...): an in-band error wins over
 * anything else it carries (OpenRouter sends `finish_reason:"error"` next to it), then text, then
 * tool-call deltas (`content: null` beside them), the finish, the trailing usage chunk, the role.
 */
export function classifyChatChunk({ data, json, comment }: EventSample): EventClass {
  if (comment) return { kind: "keepalive" };
  if (data.trim() === "[DONE]") return { kind: "terminator", terminator: true };
  const chunk = sampleObject(json);
  if (!chunk) return { kind: "malformed" };
  if ((chunk.error !== undefined && chunk.error !== null) || chunk.object === "error")
    return { kind: "error" };
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  const choice = sampleObject(choices[0]);
  const delta = sampleObject(choice?.delta);
  const finish = typeof choice?.finish_reason === "string" ? { finish: true } : {};
  if (typeof delta?.content === "string" && delta.content !== "")
    return { kind: "content", text: delta.content, ...finish };
  if (Array.isArray(delta?.tool_calls) && delta.tool_calls.length > 0)
    return { kind: "tool-call", ...finish };
  if (finish.finish) return { kind: "finish", finish: true };
  if (choices.length === 0 && sampleObject(chunk.usage)) return { kind: "usage" };
  if (delta && "role" in delta) return { kind: "role" };
  return { kind: "meta" };
}

export const openai: Codec = {
  name: "openai",
  defaultModel: "gpt-4o-mini-2024-07-18",
  baseUrlPath: "/v1",
  baseUrlEnv: "OPENAI_BASE_URL",
  signature: {
    headers: ["openai-"],
    // OpenRouter's chunks have the same object name, plus a `provider` field (its signature).
    event: ({ json }) => {
      const o = sampleObject(json);
      return o?.object === "chat.completion.chunk" && !("provider" in o);
    },
  },
  classify: classifyChatChunk,
  route: (method, pathname) =>
    method === "POST" && pathname === "/v1/chat/completions" ? { variant: "chat" } : undefined,
  wantsStream: (request) => request.stream === true,
  open,
};
