import {
  type Contract,
  type ContractPresetOptions,
  eventSourceFromTemplate,
  interpretSse,
  isRecord,
  parseJson,
} from "./contract.ts";

/**
 * The SSE JSON event protocol of incident 003: `{"type":"status"}` first, `{"type":"delta","content"}`
 * per token, `{"type":"done"}` last, or `{"type":"done","error":"..."}` when the stream failed.
 */
export function sseStatusDeltaDone(options: ContractPresetOptions = {}): Contract {
  return {
    name: "sse-status-delta-done",
    description: "SSE JSON events status/delta/done, failure as done.error (incident 003)",
    framing: "sse",
    ...eventSourceFromTemplate(options.eventSource, options.model),
    // Incident 003's protocol carries `session_id`, and a new request supersedes the running one.
    capabilities: {
      sessions: true,
      keepalives: true,
      doneSignal: true,
      errorMarker: true,
      ...options.capabilities,
    },
    request: ({ message, sessionId }) => ({
      method: "POST",
      path: options.path ?? "/chat",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: { message, ...(sessionId ? { session_id: sessionId } : {}) },
    }),
    interpret: (observation) =>
      interpretSse(observation, (event, view) => {
        const json = parseJson(event.data);
        if (!isRecord(json) || typeof json.type !== "string") {
          view.malformed.push(event.data);
          return;
        }
        if (json.type === "delta" && typeof json.content === "string") {
          view.tokens.push({ t: event.t, text: json.content });
        } else if (json.type === "done" || json.type === "error") {
          const error = json.error ?? (json.type === "error" ? json.message : undefined);
          if (error !== undefined && error !== null) {
            view.errorMarker = {
              t: event.t,
              message: typeof error === "string" ? error : JSON.stringify(error),
              raw: event.data,
            };
          } else {
            view.done = { t: event.t, raw: event.data };
          }
        }
      }),
  };
}
