import type { Codec, ProviderStream, RenderContext } from "../types.ts";
import { classifyChatChunk } from "./openai.ts";
import { planned, randomAlnum, sampleObject, sse, tokenEvents, truncateJson } from "./shared.ts";

/**
 * OpenRouter (wire-formats.md A5): OpenAI-like chunks with a `provider` field, `: OPENROUTER
 * PROCESSING` comments while queued or silent, errors inside a normal chunk with
 * `finish_reason:"error"` on a 200, and pre-stream `{"error":{"code":<int>,...}}` bodies with no
 * OpenAI-style `type`/`param`.
 */
const MESSAGES: Record<number, string> = {
  400: "Invalid request",
  401: "No auth credentials found",
  402: "Insufficient credits. Add more using https://openrouter.ai/credits",
  403: "Input was flagged by moderation",
  408: "Request timed out",
  429: "Rate limit exceeded: free-models-per-min",
  502: "Provider returned error",
  503: "No endpoints found that can handle the requested parameters.",
};

const PROCESSING = ": OPENROUTER PROCESSING\n\n";

function open(ctx: RenderContext): ProviderStream {
  const id = `gen-${Math.floor(Date.now() / 1000)}-${randomAlnum(20)}`;
  const created = Math.floor(Date.now() / 1000);
  const options = ctx.request.stream_options as Record<string, unknown> | undefined;
  const usageRequested =
    options?.include_usage === true ||
    (ctx.request.usage as Record<string, unknown> | undefined)?.include === true;
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      provider: "OpenAI",
      model: ctx.model,
      object: "chat.completion.chunk",
      created,
      choices,
      ...extra,
    });
  const choice = (delta: unknown, finish: string | null) => ({
    index: 0,
    delta,
    finish_reason: finish,
    native_finish_reason: finish,
    logprobs: null,
  });
  const usage = {
    prompt_tokens: ctx.usage.promptTokens,
    completion_tokens: ctx.usage.completionTokens,
    total_tokens: ctx.usage.promptTokens + ctx.usage.completionTokens,
  };

  return {
    headers: () => ({
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-generation-id": id,
      "access-control-allow-origin": "*",
    }),
    plan() {
      const events = [
        planned("keepalive", () => PROCESSING),
        ...tokenEvents(ctx.tokens),
        planned("finish", () => sse(chunk([choice({ role: "assistant", content: "" }, ctx.finishReason)])), {
          finish: true,
        }),
      ];
      if (usageRequested && !ctx.omitUsage) events.push(planned("usage", () => sse(chunk([], { usage }))));
      events.push(planned("terminator", () => "data: [DONE]\n\n", { terminator: true }));
      return events;
    },
    renderToken: (text) => sse(chunk([choice({ role: "assistant", content: text }, null)])),
    error(options) {
      const error: Record<string, unknown> = {
        code: options.code ?? options.errorType ?? "server_error",
        message: options.message ?? "Provider disconnected",
      };
      if (options.shape === "flat") error.metadata = { error_type: "provider_unavailable" };
      // The docs' example key order: the error sits before choices in an otherwise normal chunk.
      const data = JSON.stringify({
        id,
        object: "chat.completion.chunk",
        created,
        model: ctx.model,
        provider: "openai",
        error,
        choices: [{ index: 0, delta: { content: "" }, finish_reason: "error" }],
      });
      return [planned("error", () => sse(data))];
    },
    keepalive: () => planned("keepalive", () => PROCESSING),
    malformed: () =>
      planned("malformed", () => sse(truncateJson(chunk([choice({ content: "broken" }, null)])))),
    unary() {
      const body = {
        id,
        provider: "OpenAI",
        model: ctx.model,
        object: "chat.completion",
        created,
        choices: [
          {
            logprobs: null,
            finish_reason: ctx.finishReason,
            native_finish_reason: ctx.finishReason,
            index: 0,
            message: { role: "assistant", content: ctx.tokens.join(""), refusal: null, reasoning: null },
          },
        ],
        usage: ctx.omitUsage ? undefined : usage,
      };
      return {
        status: 200,
        headers: { "content-type": "application/json", "x-generation-id": id },
        body: JSON.stringify(body),
      };
    },
    httpError(spec) {
      const error: Record<string, unknown> = {
        code: spec.status,
        message:
          spec.message ??
          MESSAGES[spec.status] ??
          (spec.status >= 500 ? "Internal Server Error" : "Bad Request"),
      };
      if (spec.status === 502) error.metadata = { provider_name: "OpenAI", raw: "upstream error" };
      return {
        status: spec.status,
        headers: { "content-type": "application/json", "x-generation-id": id },
        body: JSON.stringify({ error }),
      };
    },
  };
}

export const openrouter: Codec = {
  name: "openrouter",
  defaultModel: "openai/gpt-4o-mini",
  baseUrlPath: "/api/v1",
  // No SDK of its own: clients reach OpenRouter through the OpenAI SDK's base URL.
  baseUrlEnv: "OPENAI_BASE_URL",
  signature: {
    // x-title and http-referer are OpenRouter's app attribution headers (sic: "HTTP-Referer").
    headers: ["x-generation-id", "x-title", "http-referer"],
    event: ({ json, data, comment }) => {
      if (comment) return data.trim() === "OPENROUTER PROCESSING";
      const o = sampleObject(json);
      return o?.object === "chat.completion.chunk" && "provider" in o;
    },
  },
  classify: classifyChatChunk,
  route: (method, pathname) =>
    method === "POST" && pathname === "/api/v1/chat/completions" ? { variant: "chat" } : undefined,
  wantsStream: (request) => request.stream === true,
  open,
};
