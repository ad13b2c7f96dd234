import {
  type Contract,
  type ContractPresetOptions,
  eventSourceFromTemplate,
  interpretSse,
  isRecord,
  parseJson,
} from "./contract.ts";

/**
 * An Anthropic-compatible relay: Messages API events, `message_stop` when complete, `event: error`
 * on failure (the Anthropic SDKs raise on `sse.event == "error"`).
 */
export function anthropicRelay(options: ContractPresetOptions = {}): Contract {
  return {
    name: "anthropic-relay",
    description: "Anthropic-compatible SSE relay: content_block_delta, message_stop, `event: error`",
    framing: "sse",
    ...eventSourceFromTemplate(options.eventSource, options.model ?? "claude-sonnet-4-20250514"),
    // The Messages API has no session: a relay that honours a `session_id` of its own declares it.
    capabilities: {
      sessions: false,
      keepalives: true,
      doneSignal: true,
      errorMarker: true,
      ...options.capabilities,
    },
    request: ({ message, sessionId, model }) => ({
      method: "POST",
      path: options.path ?? "/v1/messages",
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        "anthropic-version": "2023-06-01",
      },
      body: {
        model: model ?? options.model ?? "claude-sonnet-4-20250514",
        max_tokens: 1024,
        stream: true,
        messages: [{ role: "user", content: message }],
        ...(sessionId ? { session_id: sessionId } : {}),
      },
    }),
    interpret: (observation) =>
      interpretSse(observation, (event, view) => {
        const json = parseJson(event.data);
        const type = isRecord(json) && typeof json.type === "string" ? json.type : event.event;
        if (!isRecord(json)) {
          view.malformed.push(event.data);
          return;
        }
        if (event.event === "error" || type === "error") {
          const error = json.error;
          const message = isRecord(error) && typeof error.message === "string" ? error.message : event.data;
          view.errorMarker = { t: event.t, message, raw: event.data };
        } else if (type === "message_stop") {
          view.done = { t: event.t, raw: event.data };
        } else if (
          type === "content_block_delta" &&
          isRecord(json.delta) &&
          typeof json.delta.text === "string"
        ) {
          view.tokens.push({ t: event.t, text: json.delta.text });
        }
      }),
  };
}
