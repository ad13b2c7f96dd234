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
 * Anthropic Messages, wire-formats A3. The event name and the JSON `type` agree; the JSON is
 * trusted because real streams pad it with spaces that only a JSON parser shrugs off.
 */
/** Finish reasons travel in OpenAI's vocabulary; each contract renders its own. */
const stopReasons: Record<string, string> = {
  end_turn: "stop",
  stop_sequence: "stop",
  max_tokens: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

function fromStopReason(reason: string): string {
  return stopReasons[reason] ?? reason;
}

export const anthropicAdapter: ProviderAdapter = {
  name: "anthropic",
  hasTerminator: true,
  buildCall(baseUrl: string, apiKey: string, request: ChatRequest): HttpCall {
    const system = request.messages
      .filter((m) => m.role === "system")
      .map((m) => m.content)
      .join("\n");
    const body: Record<string, unknown> = {
      model: request.model,
      max_tokens: request.maxTokens,
      messages: request.messages.filter((m) => m.role !== "system"),
      stream: true,
    };
    if (system) body.system = system;
    return {
      url: `${baseUrl}/v1/messages`,
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        "anthropic-version": "2023-06-01",
        ...(apiKey ? { "x-api-key": apiKey } : {}),
      },
      body: JSON.stringify(body),
    };
  },
  parseEvent(event: SseEvent): UpstreamEvent[] {
    const data = asRecord(parseJson(event.data));
    const type = typeof data.type === "string" ? data.type : event.event;
    if (type === "error" || event.event === "error") {
      const message = asRecord(data.error).message;
      return [{ type: "error", message: typeof message === "string" ? message : event.data }];
    }
    if (type === "content_block_delta") {
      const text = asRecord(data.delta).text;
      return typeof text === "string" && text !== "" ? [{ type: "token", text }] : [];
    }
    if (type === "message_delta") {
      const events: UpstreamEvent[] = [];
      const stopReason = asRecord(data.delta).stop_reason;
      if (typeof stopReason === "string") events.push({ type: "finish", reason: fromStopReason(stopReason) });
      const usage = asRecord(data.usage);
      if (typeof usage.output_tokens === "number") {
        events.push({
          type: "usage",
          inputTokens: typeof usage.input_tokens === "number" ? usage.input_tokens : 0,
          outputTokens: usage.output_tokens,
        });
      }
      return events;
    }
    if (type === "message_stop") return [{ type: "terminator" }];
    return [];
  },
  errorMessage: nestedErrorMessage,
};
