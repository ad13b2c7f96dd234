import type {
  Codec,
  EventClass,
  EventSample,
  FinishReason,
  ProviderStream,
  RenderContext,
} from "../types.ts";
import { planned, sampleObject, tokenEvents, truncateJson } from "./shared.ts";

/**
 * Ollama `/api/chat` (wire-formats.md A6): NDJSON, one object per `\n`-terminated line, no SSE
 * framing. The last line has `done:true`, `done_reason` and nanosecond durations; it is both the
 * finish and the end of the stream. Errors are `{"error":"..."}`, before (non-2xx) or mid-stream (200).
 */
const DONE_REASON: Record<FinishReason, string> = {
  stop: "stop",
  length: "length",
  tool_calls: "stop",
  content_filter: "stop",
};

/** Go's RFC 3339 with nanoseconds: 2024-08-07T03:57:33.0365888Z (trailing zeros trimmed). */
function goTime(): string {
  const ms = Date.now();
  const sub = Math.floor((performance.now() % 1) * 1e6);
  const frac = `${String(ms % 1000).padStart(3, "0")}${String(sub).padStart(6, "0")}`.replace(/0+$/, "");
  return `${new Date(ms).toISOString().slice(0, 19)}${frac ? `.${frac}` : ""}Z`;
}

function open(ctx: RenderContext): ProviderStream {
  const line = (o: unknown) => `${JSON.stringify(o)}\n`;
  const done = (content: string) => {
    // Plausible nanosecond durations derived from the token counts (deterministic).
    const evalDuration = Math.max(1, ctx.usage.completionTokens) * 23_712_330;
    const total = 63_915_300 + 246_847_000 + evalDuration;
    const o: Record<string, unknown> = {
      model: ctx.model,
      created_at: goTime(),
      message: { role: "assistant", content },
      done_reason: DONE_REASON[ctx.finishReason],
      done: true,
      total_duration: total,
      load_duration: 63_915_300,
    };
    if (!ctx.omitUsage) {
      Object.assign(o, {
        prompt_eval_count: ctx.usage.promptTokens,
        prompt_eval_duration: 246_847_000,
        eval_count: ctx.usage.completionTokens,
        eval_duration: evalDuration,
      });
    }
    return o;
  };
  const token = (content: string) => ({
    model: ctx.model,
    created_at: goTime(),
    message: { role: "assistant", content },
    done: false,
  });
  const errorMessage = (message?: string) => message ?? "the model failed to generate a response";
  return {
    headers: () => ({ "Content-Type": "application/x-ndjson" }),
    plan: () => [
      ...tokenEvents(ctx.tokens),
      planned("finish", () => line(done("")), { finish: true, terminator: true }),
    ],
    renderToken: (text) => line(token(text)),
    error: (options) => [planned("error", () => line({ error: errorMessage(options.message) }))],
    // NDJSON has no comment syntax, and Ollama sends nothing while it thinks.
    keepalive: () => undefined,
    malformed: () => planned("malformed", () => `${truncateJson(JSON.stringify(token("broken")))}\n`),
    unary: () => ({
      status: 200,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify(done(ctx.tokens.join(""))),
    }),
    httpError: (spec) => ({
      status: spec.status,
      headers: { "Content-Type": "application/json; charset=utf-8" },
      body: JSON.stringify({ error: errorMessage(spec.message) }),
    }),
  };
}

/** What one NDJSON line is: the `done:true` line is both the finish and the end (A6). */
function classify({ json }: EventSample): EventClass {
  const line = sampleObject(json);
  if (!line) return { kind: "malformed" };
  if (line.error !== undefined && line.error !== null) return { kind: "error" };
  if (line.done === true) return { kind: "finish", finish: true, terminator: true };
  const content = sampleObject(line.message)?.content;
  if (typeof content === "string" && content !== "") return { kind: "content", text: content };
  return { kind: "meta" };
}

export const ollama: Codec = {
  name: "ollama",
  defaultModel: "gemma2:2b",
  baseUrlPath: "",
  // The ollama CLI and its Python and JS clients read it.
  baseUrlEnv: "OLLAMA_HOST",
  signature: {
    headers: [],
    event: ({ json }) => {
      const o = sampleObject(json);
      return o !== undefined && typeof o.done === "boolean" && typeof o.created_at === "string";
    },
  },
  classify,
  route: (method, pathname) =>
    method === "POST" && pathname === "/api/chat" ? { variant: "chat" } : undefined,
  // Ollama streams by default: only an explicit `stream:false` asks for one JSON object.
  wantsStream: (request) => request.stream !== false,
  open,
};
