import type {
  Codec,
  EventClass,
  EventSample,
  HttpErrorSpec,
  PlannedEvent,
  ProviderStream,
  RenderContext,
  RenderedBody,
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

function open(ctx: RenderContext): ProviderStream {
  const id = `chatcmpl-${randomAlnum(29)}`;
  const requestId = `req_${randomHex(32)}`;
  const created = Math.floor(Date.now() / 1000);
  const { includeUsage, obfuscation } = streamOptions(ctx);
  const usageKey = includeUsage && !ctx.omitUsage;
  const { promptTokens, completionTokens } = ctx.usage;
  const usage = {
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

  const chunk = (choices: unknown[], usageValue: unknown = null): string => {
    const o: Record<string, unknown> = {
      id,
      object: "chat.completion.chunk",
      created,
      model: ctx.model,
      service_tier: "default",
      system_fingerprint: null,
      choices,
    };
    // Without include_usage the chunks have no `usage` key at all (A1, gpt-4o capture).
    if (usageKey) o.usage = usageValue;
    if (obfuscation) o.obfuscation = seededAlnum(ctx.rng, 16);
    return JSON.stringify(o);
  };
  const choice = (delta: unknown, finish: string | null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  // A content chunk is `chunk([choice({ content }, null)])` put together from its fixed parts:
  // serializing the whole object per token was a quarter of a paced stream's garbage. The
  // providers test holds the two to the same bytes.
  const tokenHead = `data: {"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(ctx.model)},"service_tier":"default","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":`;
  const tokenTail = `},"logprobs":null,"finish_reason":null}]${usageKey ? ',"usage":null' : ""}`;
  const renderToken = (text: string): string =>
    obfuscation
      ? `${tokenHead}${JSON.stringify(text)}${tokenTail},"obfuscation":"${seededAlnum(ctx.rng, 16)}"}\n\n`
      : `${tokenHead}${JSON.stringify(text)}${tokenTail}}\n\n`;
  // The same chunk written straight into the responder's scratch: its fixed parts copied as bytes.
  const headBytes = Buffer.from(tokenHead, "utf8");
  const tailBytes = Buffer.from(obfuscation ? `${tokenTail},"obfuscation":"` : `${tokenTail}}\n\n`, "utf8");
  /** The longest the obfuscation's letters and the closing `"}\n\n` take. */
  const closing = obfuscation ? 16 + 4 : 0;
  const writeToken = (target: Buffer, at: number, limit: number, text: string): number => {
    const json = JSON.stringify(text);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (at + headBytes.length + json.length * 3 + tailBytes.length + closing > limit) return -1;
    let end = at + headBytes.copy(target, at);
    end += target.write(json, end, "utf8");
    end += tailBytes.copy(target, end);
    if (obfuscation) {
      end = writeSeededAlnum(ctx.rng, 16, target, end);
      target[end++] = 0x22; // "
      target[end++] = 0x7d; // }
      target[end++] = 0x0a;
      target[end++] = 0x0a;
    }
    return end - at;
  };

  const calls = (ctx.toolCalls ?? []).map((call) => ({ ...call, id: call.id ?? `call_${randomAlnum(24)}` }));
  // A call opens with its id, type, name and empty arguments, then streams the arguments in pieces.
  const callStart = (i: number) => ({
    index: i,
    id: calls[i]!.id,
    type: "function",
    function: { name: calls[i]!.name, arguments: "" },
  });
  const toolCallEvents = (): PlannedEvent[] =>
    calls.flatMap((call, i) => [
      ...(i === 0 && ctx.tokens.length === 0
        ? []
        : [planned("tool-call", () => sse(chunk([choice({ tool_calls: [callStart(i)] }, null)])))]),
      ...argumentPieces(call.arguments).map((piece) =>
        planned("tool-call", () =>
          sse(chunk([choice({ tool_calls: [{ index: i, function: { arguments: piece } }] }, null)])),
        ),
      ),
    ]);

  return {
    headers: () => ({ "content-type": "text/event-stream; charset=utf-8", ...openaiHeaders(requestId) }),
    plan() {
      // With no text, the first chunk opens the first call itself, `content: null` (gpt-4o captures).
      const opening =
        calls.length > 0 && ctx.tokens.length === 0
          ? planned("tool-call", () =>
              sse(
                chunk([
                  choice(
                    { role: "assistant", content: null, tool_calls: [callStart(0)], refusal: null },
                    null,
                  ),
                ]),
              ),
            )
          : planned("role", () =>
              sse(chunk([choice({ role: "assistant", content: "", refusal: null }, null)])),
            );
      const events = [
        opening,
        ...tokenEvents(ctx.tokens),
        ...toolCallEvents(),
        planned("finish", () => sse(chunk([choice({}, ctx.finishReason)])), { finish: true }),
      ];
      if (usageKey) events.push(planned("usage", () => sse(chunk([], usage))));
      events.push(planned("terminator", () => "data: [DONE]\n\n", { terminator: true }));
      return events;
    },
    renderToken,
    writeToken,
    error(options) {
      const message =
        options.message ?? "The server had an error while processing your request. Sorry about that!";
      const type = options.errorType ?? "server_error";
      // Nested is OpenAI's own shape (coder/aibridge fixture, Python-style spacing); flat is vLLM's.
      const data =
        options.shape === "flat"
          ? JSON.stringify({ object: "error", message, type, param: null, code: options.code ?? 500 })
          : pythonJson({ error: { message, type } });
      return [planned("error", () => sse(data))];
    },
    keepalive: () => planned("keepalive", () => ": keepalive\n\n"),
    malformed: () =>
      planned("malformed", () => sse(truncateJson(chunk([choice({ content: "broken" }, null)])))),
    unary() {
      const body = {
        id,
        object: "chat.completion",
        created,
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
        usage: ctx.omitUsage ? undefined : usage,
        service_tier: "default",
        system_fingerprint: null,
      };
      return openaiUnary(body, requestId);
    },
    httpError: (spec) => openaiHttpError(spec, requestId),
  };
}

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
