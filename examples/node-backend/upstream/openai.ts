import {
  asRecord,
  type ChatRequest,
  type HttpCall,
  nestedErrorMessage,
  type ProviderAdapter,
  parseJson,
  type SseEvent,
  type UpstreamEvent,
} from "./types.ts";

/**
 * OpenAI Chat Completions and the compatible ones (OpenRouter, vLLM, gateways), wire-formats A1/A5.
 * An in-band error is a top-level `error` object, possibly next to `finish_reason: "error"`
 * (OpenRouter), or vLLM's `{"object":"error"}`: either way it is an error, never a finish.
 */
export function openAiAdapter(name: string): ProviderAdapter {
  return {
    name,
    hasTerminator: true,
    buildCall(baseUrl: string, apiKey: string, request: ChatRequest): HttpCall {
      const body: Record<string, unknown> = {
        model: request.model,
        messages: request.messages,
        max_tokens: request.maxTokens,
        stream: true,
      };
      // Langdock, Mistral and Groq reject this parameter (A7), so it goes only where configured.
      if (request.includeUsage) body.stream_options = { include_usage: true };
      return {
        url: `${baseUrl}/chat/completions`,
        headers: {
          "content-type": "application/json",
          accept: "text/event-stream",
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify(body),
      };
    },
    parseEvent(event: SseEvent): UpstreamEvent[] {
      if (event.data.trim() === "[DONE]") return [{ type: "terminator" }];
      const chunk = asRecord(parseJson(event.data));
      if (chunk.error !== undefined && chunk.error !== null) {
        const error = chunk.error;
        const message = typeof error === "string" ? error : asRecord(error).message;
        return [{ type: "error", message: typeof message === "string" ? message : JSON.stringify(error) }];
      }
      if (chunk.object === "error" || event.event === "error") {
        const message = chunk.message;
        return [{ type: "error", message: typeof message === "string" ? message : event.data }];
      }
      const events: UpstreamEvent[] = [];
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      const choice = asRecord(choices[0]);
      const content = asRecord(choice.delta).content;
      if (typeof content === "string" && content !== "") events.push({ type: "token", text: content });
      if (typeof choice.finish_reason === "string")
        events.push({ type: "finish", reason: choice.finish_reason });
      const usage = asRecord(chunk.usage);
      if (typeof usage.completion_tokens === "number") {
        events.push({
          type: "usage",
          inputTokens: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0,
          outputTokens: usage.completion_tokens,
        });
      }
      return events;
    },
    errorMessage: nestedErrorMessage,
  };
}
