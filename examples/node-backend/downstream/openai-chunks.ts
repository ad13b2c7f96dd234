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

/**
 * `POST /v1/chat/completions`: an OpenAI-compatible relay. The marker is the shape OpenAI itself
 * uses mid-stream (a top-level `error`, no `[DONE]` after it), which the OpenAI SDKs raise on.
 */
export const openAiChunks: Contract = {
  name: "openai-chunks",
  parseRequest(raw: unknown): ParsedRequest {
    const body = object(raw);
    return {
      messages: messages(body),
      model: optionalString(body, "model"),
      maxTokens: optionalNumber(body, "max_tokens"),
      sessionId: optionalString(body, "session_id"),
    };
  },
  renderer(model: string): Renderer {
    const id = `chatcmpl-relay-${randomUUID().replaceAll("-", "").slice(0, 24)}`;
    const created = Math.floor(Date.now() / 1000);
    const chunk = (delta: Record<string, string>, finishReason: string | null) =>
      sse({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finishReason }],
      });
    return {
      open: () => [],
      token: (text) => chunk({ content: text }, null),
      done: (finishReason) => [chunk({}, finishReason), "data: [DONE]\n\n"],
      marker: (message) => sse({ error: { message, type: "upstream_error" } }),
    };
  },
};
