import {
  BadRequest,
  type Contract,
  object,
  optionalString,
  type ParsedRequest,
  type Renderer,
  sse,
} from "./contract.ts";

/**
 * `POST /chat`: the status/delta/done event protocol of incident 003. An error is a `done` event
 * that carries `error`, so a client that only waits for `done` still stops.
 */
export const chatEvents: Contract = {
  name: "chat-events",
  parseRequest(raw: unknown): ParsedRequest {
    const body = object(raw);
    const message = body.message;
    if (typeof message !== "string" || message === "")
      throw new BadRequest('"message" must be a non-empty string');
    return {
      messages: [{ role: "user", content: message }],
      model: undefined,
      maxTokens: undefined,
      sessionId: optionalString(body, "session_id"),
    };
  },
  renderer(): Renderer {
    return {
      open: () => [sse({ type: "status", status: "thinking" })],
      token: (text) => sse({ type: "delta", content: text }),
      done: () => [sse({ type: "done" })],
      marker: (message) => sse({ type: "done", error: message }),
    };
  },
};
