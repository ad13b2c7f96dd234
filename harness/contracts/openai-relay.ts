import {
  type Contract,
  type ContractPresetOptions,
  eventSourceFromTemplate,
  interpretSse,
  isRecord,
  parseJson,
} from "./contract.ts";

/**
 * An OpenAI-compatible relay: chat.completion.chunk events, `data: [DONE]` when complete, and
 * `data: {"error":{...}}` then the end of the stream on a failure (the shape the OpenAI SDK raises on).
 */
export function openaiRelay(options: ContractPresetOptions = {}): Contract {
  return {
    name: "openai-relay",
    description: 'OpenAI-compatible SSE relay: chunks, `data: [DONE]`, `data: {"error":...}` on failure',
    framing: "sse",
    ...eventSourceFromTemplate(options.eventSource, options.model ?? "gpt-4o-mini"),
    // The OpenAI API has no session: a relay that honours a `session_id` of its own declares it.
    capabilities: {
      sessions: false,
      keepalives: true,
      doneSignal: true,
      errorMarker: true,
      ...options.capabilities,
    },
    request: ({ message, sessionId, model }) => ({
      method: "POST",
      path: options.path ?? "/v1/chat/completions",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: {
        model: model ?? options.model ?? "gpt-4o-mini",
        stream: true,
        messages: [{ role: "user", content: message }],
        ...(sessionId ? { session_id: sessionId } : {}),
      },
    }),
    interpret: (observation) =>
      interpretSse(observation, (event, view) => {
        if (event.data === "[DONE]") {
          view.done = { t: event.t, raw: event.data };
          return;
        }
        const json = parseJson(event.data);
        if (!isRecord(json)) {
          view.malformed.push(event.data);
          return;
        }
        if (json.error !== undefined) {
          const error = json.error;
          const message =
            isRecord(error) && typeof error.message === "string" ? error.message : JSON.stringify(error);
          view.errorMarker = { t: event.t, message, raw: event.data };
          return;
        }
        const choices = Array.isArray(json.choices) ? json.choices : [];
        for (const choice of choices) {
          if (!isRecord(choice) || !isRecord(choice.delta)) continue;
          if (typeof choice.delta.content === "string" && choice.delta.content !== "") {
            view.tokens.push({ t: event.t, text: choice.delta.content });
          }
        }
      }),
  };
}
