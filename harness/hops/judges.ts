import type { Judge } from "./hop-types.ts";

const header = (headers: ReadonlyArray<[string, string]>, name: string) =>
  headers.findLast(([n]) => n.toLowerCase() === name)?.[1] ?? "";

/**
 * The providers' own end-of-stream signals (reference/wire-formats.md A1-A6), for the hop nearest
 * the provider: whether its stream finished, or carried its in-band error. Only 2xx streams are
 * judged; a pre-stream error is a status, not a stream.
 */
export const providerStreamJudge: Judge = ({ status, headers, body }) => {
  if (status === undefined || status < 200 || status >= 300) return undefined;
  const type = header(headers, "content-type").toLowerCase();
  const text = body.toString("utf8");
  if (type.includes("text/event-stream")) {
    if (/^data: ?\[DONE\]\s*$/m.test(text)) return "complete"; // OpenAI, OpenRouter
    if (/^event: ?(message_stop|response\.completed)\s*$/m.test(text)) return "complete"; // Anthropic, Responses
    if (/^event: ?(error|response\.failed)\s*$/m.test(text) || /^data: ?\{"error"/m.test(text))
      return "error-marker";
    if (/"finishReason"\s*:/.test(text)) return "complete"; // Gemini: the last chunk carries it
    return "incomplete";
  }
  if (type.includes("application/x-ndjson")) {
    if (/"done"\s*:\s*true/.test(text)) return "complete"; // Ollama
    if (/^\{"error"/m.test(text)) return "error-marker";
    return "incomplete";
  }
  return undefined;
};

/**
 * An app's own signals, for the hops between the app's boxes: its error marker (incident 000's
 * `<!--STREAM_ERROR:…-->`) and, where it has one, its done signal. Without `done` a body without
 * the marker is not judged (a text/plain stream has no done signal: only the framing tells).
 */
export function markerJudge(signals: { marker?: RegExp; done?: RegExp }): Judge {
  return ({ status, body }) => {
    if (status === undefined || status < 200 || status >= 300) return undefined;
    const text = body.toString("utf8");
    if (signals.marker?.test(text)) return "error-marker";
    if (signals.done === undefined) return undefined;
    return signals.done.test(text) ? "complete" : "incomplete";
  };
}
