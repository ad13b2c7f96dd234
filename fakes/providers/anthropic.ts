import type {
  Codec,
  EventClass,
  EventSample,
  FinishReason,
  PlannedEvent,
  ProviderStream,
  RenderContext,
} from "../types.ts";
import {
  argumentPieces,
  planned,
  pythonJson,
  randomAlnum,
  randomHex,
  sampleObject,
  splitWords,
  sse,
  tokenEvents,
  truncateJson,
} from "./shared.ts";

/**
 * Anthropic Messages (wire-formats.md A3). Two real quirks reproduced on purpose: trailing spaces
 * inside the JSON before the closing brace (the amounts of the 2026 capture for the fixed events,
 * seeded 1..16 for deltas), and the spaced `{"type": "ping"}` data.
 */
const STOP: Record<FinishReason, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

/** Status ↔ error type, from docs.claude.com/en/api/errors. */
const ERROR_TYPES: Record<number, [string, string]> = {
  400: ["invalid_request_error", "Invalid request."],
  401: ["authentication_error", "invalid x-api-key"],
  403: ["permission_error", "Your API key does not have permission to use the specified resource."],
  404: ["not_found_error", "model: claude-not-a-real-model"],
  413: ["request_too_large", "Request exceeds the maximum allowed number of bytes."],
  429: ["rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit."],
  500: ["api_error", "Internal server error"],
  504: ["timeout_error", "Request timed out"],
  529: ["overloaded_error", "Overloaded"],
};

export function anthropicErrorType(status: number): [string, string] {
  return (
    ERROR_TYPES[status] ??
    (status >= 500 ? ["api_error", "Internal server error"] : ["invalid_request_error", "Invalid request."])
  );
}

/** The Messages stream's own event names (A3); `ping` and `error` are too generic to tell by. */
const MESSAGE_EVENTS = new Set([
  "message_start",
  "content_block_start",
  "content_block_delta",
  "content_block_stop",
  "message_delta",
  "message_stop",
]);

const pad = (json: string, spaces: number) => `${json.slice(0, -1)}${" ".repeat(spaces)}}`;

function open(ctx: RenderContext): ProviderStream {
  const messageId = `msg_01${randomAlnum(22)}`;
  const requestId = `req_01${randomAlnum(22)}`;
  const reset = new Date(Date.now() + 60_000).toISOString().replace(/\.\d+Z$/, "Z");
  const usageStart = {
    input_tokens: ctx.usage.promptTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: 1,
    service_tier: "standard",
  };
  // message_delta's usage is cumulative.
  const usageEnd = {
    input_tokens: ctx.usage.promptTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: ctx.usage.completionTokens,
  };
  const message = (extra: Record<string, unknown>) => ({
    id: messageId,
    type: "message",
    role: "assistant",
    model: ctx.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    ...extra,
  });
  const ratelimit: Record<string, string> = {};
  for (const kind of ["input-tokens", "output-tokens", "requests", "tokens"]) {
    ratelimit[`anthropic-ratelimit-${kind}-limit`] = "80000";
    ratelimit[`anthropic-ratelimit-${kind}-remaining`] = "78000";
    ratelimit[`anthropic-ratelimit-${kind}-reset`] = reset;
  }
  const ev = (type: string, json: string) => sse(json, type);
  // Content blocks in their order: thinking, text, then one tool_use per call (A3, streaming docs).
  const thinking = ctx.thinking;
  const calls = (ctx.toolCalls ?? []).map((call) => ({
    ...call,
    id: call.id ?? `toolu_01${randomAlnum(22)}`,
  }));
  const textBlock = ctx.tokens.length > 0 || calls.length === 0;
  const textIndex = thinking === undefined ? 0 : 1;
  const firstCallIndex = textIndex + (textBlock ? 1 : 0);
  const delta = (index: number, body: Record<string, unknown>) =>
    ev(
      "content_block_delta",
      pad(
        JSON.stringify({ type: "content_block_delta", index, delta: body }),
        1 + Math.floor(ctx.rng() * 16),
      ),
    );
  const renderDelta = (text: string) => delta(textIndex, { type: "text_delta", text });
  const blockStart = (index: number, block: Record<string, unknown>, spaces: number) =>
    planned("meta", () =>
      ev(
        "content_block_start",
        pad(JSON.stringify({ type: "content_block_start", index, content_block: block }), spaces),
      ),
    );
  const blockStop = (index: number) =>
    planned("meta", () =>
      ev("content_block_stop", pad(JSON.stringify({ type: "content_block_stop", index }), 13)),
    );
  const ping = () => planned("keepalive", () => ev("ping", pythonJson({ type: "ping" })));
  // The signature is opaque base64 to clients; one per request, like the real ones.
  const signature = `Eq${Buffer.from(randomAlnum(48)).toString("base64")}`;
  const thinkingEvents = (): PlannedEvent[] =>
    thinking === undefined
      ? []
      : [
          blockStart(0, { type: "thinking", thinking: "", signature: "" }, 10),
          ping(),
          ...splitWords(thinking).map((piece) =>
            planned("thinking", () => delta(0, { type: "thinking_delta", thinking: piece })),
          ),
          planned("thinking", () => delta(0, { type: "signature_delta", signature })),
          blockStop(0),
        ];
  const textEvents = (): PlannedEvent[] =>
    textBlock
      ? [
          blockStart(textIndex, { type: "text", text: "" }, 5),
          ...(thinking === undefined ? [ping()] : []),
          ...tokenEvents(ctx.tokens),
          blockStop(textIndex),
        ]
      : [];
  const toolUseEvents = (): PlannedEvent[] =>
    calls.flatMap((call, i) => {
      const index = firstCallIndex + i;
      return [
        blockStart(index, { type: "tool_use", id: call.id, name: call.name, input: {} }, 2),
        // The input starts with an empty partial_json, then streams in pieces.
        ...["", ...argumentPieces(call.arguments)].map((piece) =>
          planned("tool-call", () => delta(index, { type: "input_json_delta", partial_json: piece })),
        ),
        blockStop(index),
      ];
    });

  return {
    headers: () => ({
      "anthropic-organization-id": "997c7200-0000-4000-8000-5c4a05c4a05c",
      ...ratelimit,
      "cache-control": "no-cache",
      "cf-ray": `${randomHex(16)}-SEA`,
      "content-type": "text/event-stream; charset=utf-8",
      "request-id": requestId,
      server: "cloudflare",
      via: "1.1 google",
      "x-robots-tag": "none",
    }),
    plan() {
      const stopReason = STOP[ctx.finishReason];
      const stop = { stop_reason: stopReason, stop_sequence: null, stop_details: null };
      return [
        planned("meta", () =>
          ev(
            "message_start",
            pad(JSON.stringify({ type: "message_start", message: message({ usage: usageStart }) }), 7),
          ),
        ),
        ...thinkingEvents(),
        ...textEvents(),
        ...toolUseEvents(),
        planned(
          "finish",
          () =>
            ev(
              "message_delta",
              pad(
                JSON.stringify(
                  ctx.omitUsage
                    ? { type: "message_delta", delta: stop }
                    : { type: "message_delta", delta: stop, usage: usageEnd },
                ),
                5,
              ),
            ),
          { finish: true },
        ),
        planned("terminator", () => ev("message_stop", pad(JSON.stringify({ type: "message_stop" }), 7)), {
          terminator: true,
        }),
      ];
    },
    renderToken: renderDelta,
    error(options) {
      const known = Object.values(ERROR_TYPES).find(([type]) => type === options.errorType);
      const [defaultType, defaultMessage] =
        options.errorType === undefined
          ? ERROR_TYPES[529]!
          : [options.errorType, known?.[1] ?? "Internal server error"];
      // Docs example: Python-style spacing, then the stream ends without message_stop.
      const data = pythonJson({
        type: "error",
        error: { type: defaultType, message: options.message ?? defaultMessage },
      });
      return [planned("error", () => ev("error", data))];
    },
    // Anthropic's own keepalive is the ping event.
    keepalive: () => planned("keepalive", () => ev("ping", pythonJson({ type: "ping" }))),
    malformed: () =>
      planned("malformed", () =>
        ev(
          "content_block_delta",
          truncateJson(
            JSON.stringify({
              type: "content_block_delta",
              index: 0,
              delta: { type: "text_delta", text: "broken" },
            }),
          ),
        ),
      ),
    unary() {
      const body = message({
        content: [
          ...(thinking === undefined ? [] : [{ type: "thinking", thinking, signature }]),
          ...(textBlock ? [{ type: "text", text: ctx.tokens.join("") }] : []),
          ...calls.map((call) => ({
            type: "tool_use",
            id: call.id,
            name: call.name,
            input: JSON.parse(call.arguments || "{}") as unknown,
          })),
        ],
        stop_reason: STOP[ctx.finishReason],
        usage: ctx.omitUsage ? undefined : { ...usageEnd, service_tier: "standard" },
      });
      return {
        status: 200,
        headers: { "content-type": "application/json", "request-id": requestId },
        body: JSON.stringify(body),
      };
    },
    httpError(spec) {
      const [type, message] = anthropicErrorType(spec.status);
      const body = JSON.stringify({
        type: "error",
        error: { type: spec.errorType ?? type, message: spec.message ?? message },
        request_id: requestId,
      });
      return {
        status: spec.status,
        headers: { "content-type": "application/json", "request-id": requestId },
        body,
      };
    },
  };
}

/** What a content_block_delta carries, by its delta type (A3: text, input JSON, thinking, signature). */
const DELTA_KINDS: Record<string, string> = {
  input_json_delta: "tool-call",
  thinking_delta: "thinking",
  signature_delta: "thinking",
};

/** What one Messages event is, by its name (or the JSON `type`, which agrees with it). */
function classify({ event, json, comment }: EventSample): EventClass {
  if (comment) return { kind: "keepalive" };
  const o = sampleObject(json);
  const type = event ?? (typeof o?.type === "string" ? o.type : undefined);
  if (type === "error") return { kind: "error" };
  if (type === "ping") return { kind: "keepalive" };
  if (type === "message_delta") return { kind: "finish", finish: true };
  if (type === "message_stop") return { kind: "terminator", terminator: true };
  if (type === "content_block_delta") {
    const delta = sampleObject(o?.delta);
    if (delta?.type === "text_delta" && typeof delta.text === "string")
      return delta.text === "" ? { kind: "meta" } : { kind: "content", text: delta.text };
    const deltaType = String(delta?.type);
    return { kind: Object.hasOwn(DELTA_KINDS, deltaType) ? DELTA_KINDS[deltaType]! : "meta" };
  }
  return { kind: o || type !== undefined ? "meta" : "malformed" };
}

export const anthropic: Codec = {
  name: "anthropic",
  defaultModel: "claude-sonnet-4-20250514",
  baseUrlPath: "",
  baseUrlEnv: "ANTHROPIC_BASE_URL",
  signature: {
    headers: ["anthropic-"],
    event: ({ event, json }) => {
      const type = sampleObject(json)?.type;
      return MESSAGE_EVENTS.has(event ?? "") || (typeof type === "string" && MESSAGE_EVENTS.has(type));
    },
  },
  classify,
  route: (method, pathname) =>
    method === "POST" && pathname === "/v1/messages" ? { variant: "messages" } : undefined,
  wantsStream: (request) => request.stream === true,
  open,
};
