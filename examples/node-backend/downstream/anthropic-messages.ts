import { randomUUID } from "node:crypto";
import {
  type Contract,
  messages,
  object,
  optionalNumber,
  optionalString,
  type ParsedRequest,
  type Renderer,
  sse,
} from "./contract.ts";

const stopReasons: Record<string, string> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  content_filter: "refusal",
};

/**
 * `POST /v1/messages`: an Anthropic-compatible relay. The error marker is Anthropic's own
 * `event: error`, after which no `message_stop` comes (the SDKs raise on it).
 */
export const anthropicMessages: Contract = {
  name: "anthropic-messages",
  parseRequest(raw: unknown): ParsedRequest {
    const body = object(raw);
    const system = optionalString(body, "system");
    return {
      messages: [...(system ? [{ role: "system" as const, content: system }] : []), ...messages(body)],
      model: optionalString(body, "model"),
      maxTokens: optionalNumber(body, "max_tokens"),
      sessionId: optionalString(body, "session_id"),
    };
  },
  renderer(model: string): Renderer {
    const id = `msg_relay_${randomUUID().replaceAll("-", "").slice(0, 24)}`;
    return {
      open: () => [
        sse(
          {
            type: "message_start",
            message: {
              id,
              type: "message",
              role: "assistant",
              model,
              content: [],
              stop_reason: null,
              stop_sequence: null,
              usage: { input_tokens: 0, output_tokens: 0 },
            },
          },
          "message_start",
        ),
        sse(
          { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } },
          "content_block_start",
        ),
      ],
      token: (text) =>
        sse(
          { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } },
          "content_block_delta",
        ),
      done: (finishReason, outputTokens) => [
        sse({ type: "content_block_stop", index: 0 }, "content_block_stop"),
        sse(
          {
            type: "message_delta",
            delta: { stop_reason: stopReasons[finishReason] ?? finishReason, stop_sequence: null },
            usage: { output_tokens: outputTokens },
          },
          "message_delta",
        ),
        sse({ type: "message_stop" }, "message_stop"),
      ],
      marker: (message) => sse({ type: "error", error: { type: "api_error", message } }, "error"),
    };
  },
};
