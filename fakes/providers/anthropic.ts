import type { Codec, FinishReason, ProviderStream, RenderContext } from "../types.ts";
import {
  planned,
  pythonJson,
  randomAlnum,
  randomHex,
  sampleObject,
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
  const renderDelta = (text: string) =>
    ev(
      "content_block_delta",
      pad(
        JSON.stringify({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }),
        1 + Math.floor(ctx.rng() * 16),
      ),
    );

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
        planned("meta", () =>
          ev(
            "content_block_start",
            pad(
              JSON.stringify({
                type: "content_block_start",
                index: 0,
                content_block: { type: "text", text: "" },
              }),
              5,
            ),
          ),
        ),
        planned("keepalive", () => ev("ping", pythonJson({ type: "ping" }))),
        ...tokenEvents(ctx.tokens),
        planned("meta", () =>
          ev("content_block_stop", pad(JSON.stringify({ type: "content_block_stop", index: 0 }), 13)),
        ),
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
        content: [{ type: "text", text: ctx.tokens.join("") }],
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
  route: (method, pathname) =>
    method === "POST" && pathname === "/v1/messages" ? { variant: "messages" } : undefined,
  wantsStream: (request) => request.stream === true,
  open,
};
