import type {
  Codec,
  EventClass,
  EventSample,
  FinishReason,
  ProviderStream,
  RenderContext,
} from "../types.ts";
import {
  planned,
  randomAlnum,
  sampleObject,
  styledJson,
  tokenEvent,
  tokenEvents,
  truncateJson,
} from "./shared.ts";

/**
 * Gemini `streamGenerateContent` (wire-formats.md A4). With `alt=sse`: `data:` events ending in
 * CRLF CRLF (the httprr capture only adds up with CRLF), no `event:` line, no [DONE], finishReason
 * only on the last chunk. Without `alt=sse`: one JSON array streamed element by element.
 * JSON style: a space after `:` and none after `,`.
 */
const FINISH: Record<FinishReason, string> = {
  stop: "STOP",
  length: "MAX_TOKENS",
  tool_calls: "STOP",
  content_filter: "SAFETY",
};

const STATUS: Record<number, [string, string]> = {
  400: ["INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."],
  401: ["UNAUTHENTICATED", "Request had invalid authentication credentials."],
  403: ["PERMISSION_DENIED", "The caller does not have permission"],
  404: ["NOT_FOUND", "models/gemini-nonexistent is not found for API version v1beta."],
  408: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
  429: ["RESOURCE_EXHAUSTED", "You exceeded your current quota, please check your plan and billing details."],
  500: [
    "INTERNAL",
    "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
  ],
  503: ["UNAVAILABLE", "The model is overloaded. Please try again later."],
  504: ["DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
};

const gjson = (value: unknown) => styledJson(value, ",", ": ");
const CRLF2 = "\r\n\r\n";

function open(ctx: RenderContext): ProviderStream {
  const responseId = randomAlnum(23);
  const sseMode = ctx.variant === "sse";
  let elements = 0;
  // In array mode each element is preceded by "[" or ",\r\n"; the array closes with "]".
  const frame = (json: string) => {
    if (sseMode) return `data: ${json}${CRLF2}`;
    return `${elements++ === 0 ? "[" : ",\r\n"}${json}`;
  };
  const usage = (final: boolean) =>
    final
      ? {
          promptTokenCount: ctx.usage.promptTokens,
          candidatesTokenCount: ctx.usage.completionTokens,
          totalTokenCount: ctx.usage.promptTokens + ctx.usage.completionTokens,
          promptTokensDetails: [{ modality: "TEXT", tokenCount: ctx.usage.promptTokens }],
        }
      : {
          promptTokenCount: ctx.usage.promptTokens,
          totalTokenCount: ctx.usage.promptTokens,
          promptTokensDetails: [{ modality: "TEXT", tokenCount: ctx.usage.promptTokens }],
        };
  const chunk = (text: string, final: boolean) => ({
    candidates: [
      {
        content: { parts: [{ text }], role: "model" },
        ...(final ? { finishReason: FINISH[ctx.finishReason] } : {}),
      },
    ],
    usageMetadata: ctx.omitUsage ? undefined : usage(final),
    modelVersion: ctx.model,
    responseId,
  });
  const tokens = ctx.tokens.length > 0 ? ctx.tokens : [""];
  const errorBody = (status: number, message?: string, statusName?: string) => {
    const [name, text] =
      STATUS[status] ??
      (status >= 500
        ? ["UNAVAILABLE", STATUS[503]![1]]
        : ["INVALID_ARGUMENT", "Request contains an invalid argument."]);
    return { error: { code: status, message: message ?? text, status: statusName ?? name } };
  };
  const headers = (contentType: string) => ({
    "Content-Type": contentType,
    Vary: ["Origin", "X-Origin", "Referer"],
    Server: "scaffolding on HTTPServer2",
    "X-XSS-Protection": "0",
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Server-Timing": "gfet4t7; dur=327",
  });

  return {
    headers: () =>
      sseMode
        ? { "Content-Disposition": "attachment", ...headers("text/event-stream") }
        : headers("application/json; charset=UTF-8"),
    plan() {
      const last = tokens.length - 1;
      // The last chunk carries finishReason: it is both content and the finish.
      const events = [...tokenEvents(tokens)];
      if (last >= 0) events[last] = tokenEvent(tokens[last]!, true);
      if (!sseMode)
        events.push(planned("terminator", () => (elements === 0 ? "[]" : "]"), { terminator: true }));
      return events;
    },
    renderToken: (text, finish) => frame(gjson(chunk(text, finish))),
    error(options) {
      const body = errorBody(options.code ?? 503, options.message, options.errorType);
      const events = [planned("error", () => frame(gjson(body)))];
      if (!sseMode) events.push(planned("terminator", () => "]"));
      return events;
    },
    keepalive: () => (sseMode ? planned("keepalive", () => `: keepalive${CRLF2}`) : undefined),
    malformed: () => planned("malformed", () => frame(truncateJson(gjson(chunk("broken", false))))),
    unary() {
      const body = chunk(tokens.join(""), true);
      return {
        status: 200,
        headers: headers("application/json; charset=UTF-8"),
        body: `${JSON.stringify(body, null, 2)}\n`,
      };
    },
    httpError: (spec) => ({
      status: spec.status,
      headers: headers("application/json; charset=UTF-8"),
      // 2-space pretty-printed with a trailing newline (continuedev/continue#9330).
      body: `${JSON.stringify(errorBody(spec.status, spec.message, spec.errorType), null, 2)}\n`,
    }),
  };
}

/**
 * What one streamed chunk is: its text parts are the content, and the chunk with `finishReason`
 * also carries the finish (A4); a JSON array's closing `]` ends the stream.
 */
function classify({ data, json, comment }: EventSample): EventClass {
  if (comment) return { kind: "keepalive" };
  if (data.trim() === "]") return { kind: "terminator", terminator: true };
  const chunk = sampleObject(json);
  if (!chunk) return { kind: "malformed" };
  if (chunk.error !== undefined && chunk.error !== null) return { kind: "error" };
  const candidate = sampleObject(Array.isArray(chunk.candidates) ? chunk.candidates[0] : undefined);
  const parts = sampleObject(candidate?.content)?.parts;
  const text = (Array.isArray(parts) ? parts : [])
    .map((part) => sampleObject(part)?.text)
    .filter((t): t is string => typeof t === "string")
    .join("");
  const finish = typeof candidate?.finishReason === "string" ? { finish: true } : {};
  if (text !== "") return { kind: "content", text, ...finish };
  return finish.finish ? { kind: "finish", finish: true } : { kind: "meta" };
}

const ROUTE = /^\/(v1beta|v1)\/models\/([^/:]+):(streamGenerateContent|generateContent)$/;

export const gemini: Codec = {
  name: "gemini",
  defaultModel: "gemini-2.0-flash",
  baseUrlPath: "",
  // google-genai and gemini-cli read it.
  baseUrlEnv: "GOOGLE_GEMINI_BASE_URL",
  signature: {
    // x-goog-api-key and x-goog-api-client on the request.
    headers: ["x-goog-"],
    event: ({ json }) => {
      const o = sampleObject(json);
      return o !== undefined && (Array.isArray(o.candidates) || typeof o.usageMetadata === "object");
    },
  },
  classify,
  route(method, pathname, query) {
    const m = method === "POST" ? ROUTE.exec(pathname) : null;
    if (!m) return undefined;
    const variant = m[3] === "generateContent" ? "unary" : query.get("alt") === "sse" ? "sse" : "array";
    return { model: decodeURIComponent(m[2]!), variant };
  },
  // The method name decides, not the body.
  wantsStream: (_request, route) => route.variant !== "unary",
  open,
};
