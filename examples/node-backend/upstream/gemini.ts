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
 * Gemini `streamGenerateContent?alt=sse`, wire-formats A4: CRLF-framed events, `finishReason` on
 * the last chunk and no terminator after it, so that chunk stands in for one.
 */
/** Finish reasons travel in OpenAI's vocabulary; each contract renders its own. */
const finishReasons: Record<string, string> = {
  STOP: "stop",
  MAX_TOKENS: "length",
  SAFETY: "content_filter",
  RECITATION: "content_filter",
};

export const geminiAdapter: ProviderAdapter = {
  name: "gemini",
  hasTerminator: false,
  buildCall(baseUrl: string, apiKey: string, request: ChatRequest): HttpCall {
    const system = request.messages.filter((m) => m.role === "system").map((m) => ({ text: m.content }));
    const body: Record<string, unknown> = {
      contents: request.messages
        .filter((m) => m.role !== "system")
        .map((m) => ({ role: m.role === "assistant" ? "model" : "user", parts: [{ text: m.content }] })),
      generationConfig: { maxOutputTokens: request.maxTokens },
    };
    if (system.length > 0) body.systemInstruction = { parts: system };
    return {
      url: `${baseUrl}/v1beta/models/${encodeURIComponent(request.model)}:streamGenerateContent?alt=sse`,
      headers: {
        "content-type": "application/json",
        accept: "text/event-stream",
        ...(apiKey ? { "x-goog-api-key": apiKey } : {}),
      },
      body: JSON.stringify(body),
    };
  },
  parseEvent(event: SseEvent): UpstreamEvent[] {
    const chunk = asRecord(parseJson(event.data));
    if (chunk.error !== undefined && chunk.error !== null) {
      const message = asRecord(chunk.error).message;
      return [
        { type: "error", message: typeof message === "string" ? message : JSON.stringify(chunk.error) },
      ];
    }
    const events: UpstreamEvent[] = [];
    const candidates = Array.isArray(chunk.candidates) ? chunk.candidates : [];
    const candidate = asRecord(candidates[0]);
    const parts = asRecord(candidate.content).parts;
    for (const part of Array.isArray(parts) ? parts : []) {
      const text = asRecord(part).text;
      if (typeof text === "string" && text !== "") events.push({ type: "token", text });
    }
    if (typeof candidate.finishReason !== "string") return events;
    const usage = asRecord(chunk.usageMetadata);
    if (typeof usage.candidatesTokenCount === "number") {
      events.push({
        type: "usage",
        inputTokens: typeof usage.promptTokenCount === "number" ? usage.promptTokenCount : 0,
        outputTokens: usage.candidatesTokenCount,
      });
    }
    events.push({
      type: "finish",
      reason: finishReasons[candidate.finishReason] ?? candidate.finishReason.toLowerCase(),
    });
    // Gemini has no terminator: the chunk with finishReason is the last one, so it ends the answer
    // at once, even if the connection stays open after it.
    events.push({ type: "terminator" });
    return events;
  },
  errorMessage: nestedErrorMessage,
};
