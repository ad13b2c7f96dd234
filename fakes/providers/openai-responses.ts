import type {
  Codec,
  EventClass,
  EventSample,
  PlannedEvent,
  ProviderStream,
  RenderContext,
} from "../types.ts";
import { openaiHeaders, openaiHttpError, openaiUnary } from "./openai.ts";
import { planned, randomHex, sampleObject, seededAlnum, sse, tokenEvents, truncateJson } from "./shared.ts";

/**
 * OpenAI Responses API (wire-formats.md A2): every event has an `event:` line equal to `data.type`
 * and a `sequence_number` counting up by one per event in write order, so events render lazily.
 * No [DONE]: `response.completed` (or `.incomplete` / `.failed`) ends the stream.
 */
function open(ctx: RenderContext): ProviderStream {
  const respId = `resp_${randomHex(50)}`;
  const itemId = `msg_${randomHex(50)}`;
  const requestId = `req_${randomHex(32)}`;
  const createdAt = Math.floor(Date.now() / 1000);
  const obfuscation =
    (ctx.request.stream_options as Record<string, unknown> | undefined)?.include_obfuscation !== false;
  let sequence = 0;
  const text = () => ctx.tokens.join("");

  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id: respId,
    object: "response",
    created_at: createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model: ctx.model,
    output: [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: true,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: null,
    user: null,
    metadata: {},
    ...extra,
  });
  const part = (t: string) => ({ type: "output_text", annotations: [], logprobs: [], text: t });
  const item = (status: string, content: unknown[]) => ({
    id: itemId,
    type: "message",
    status,
    content,
    role: "assistant",
  });
  const usage = () =>
    ctx.omitUsage
      ? null
      : {
          input_tokens: ctx.usage.promptTokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: ctx.usage.completionTokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: ctx.usage.promptTokens + ctx.usage.completionTokens,
        };
  const event = (type: string, fields: Record<string, unknown>) =>
    sse(JSON.stringify({ type, sequence_number: sequence++, ...fields }), type);
  const ev = (kind: string, type: string, fields: () => Record<string, unknown>, extra = {}): PlannedEvent =>
    planned(kind, () => event(type, fields()), extra);

  const terminal = (): PlannedEvent => {
    const completedItem = item("completed", [part(text())]);
    if (ctx.finishReason === "length" || ctx.finishReason === "content_filter") {
      const reason = ctx.finishReason === "length" ? "max_output_tokens" : "content_filter";
      return ev(
        "terminator",
        "response.incomplete",
        () => ({
          response: response("incomplete", {
            incomplete_details: { reason },
            output: [completedItem],
            usage: usage(),
          }),
        }),
        { terminator: true },
      );
    }
    return ev(
      "terminator",
      "response.completed",
      () => ({ response: response("completed", { output: [completedItem], usage: usage() }) }),
      { terminator: true },
    );
  };
  const where = { item_id: itemId, output_index: 0, content_index: 0 };
  const renderDelta = (text: string) =>
    event("response.output_text.delta", {
      ...where,
      delta: text,
      logprobs: [],
      ...(obfuscation ? { obfuscation: seededAlnum(ctx.rng, 16) } : {}),
    });

  return {
    headers: () => ({ "content-type": "text/event-stream; charset=utf-8", ...openaiHeaders(requestId) }),
    plan: () => [
      ev("meta", "response.created", () => ({ response: response("in_progress") })),
      ev("meta", "response.in_progress", () => ({ response: response("in_progress") })),
      ev("meta", "response.output_item.added", () => ({ output_index: 0, item: item("in_progress", []) })),
      ev("meta", "response.content_part.added", () => ({ ...where, part: part("") })),
      ...tokenEvents(ctx.tokens),
      ev("meta", "response.output_text.done", () => ({ ...where, text: text(), logprobs: [] })),
      ev("meta", "response.content_part.done", () => ({ ...where, part: part(text()) })),
      ev(
        "finish",
        "response.output_item.done",
        () => ({ output_index: 0, item: item("completed", [part(text())]) }),
        {
          finish: true,
        },
      ),
      terminal(),
    ],
    renderToken: renderDelta,
    error(options) {
      const message =
        options.message ??
        "An error occurred while processing your request. You can retry your request, or contact us through our help center at help.openai.com if the error persists.";
      const code = options.errorType ?? "server_error";
      if (options.shape === "failed") {
        return [
          ev("error", "response.failed", () => ({
            response: response("failed", { error: { code, message } }),
          })),
        ];
      }
      if (options.shape === "flat") {
        // The synthetic fixture's shape: fields at the top level, sequence_number last.
        return [
          planned("error", () =>
            sse(
              JSON.stringify({ type: "error", code, message, param: null, sequence_number: sequence++ }),
              "error",
            ),
          ),
        ];
      }
      // The real capture's shape (XiaomiMiMo/MiMo-Code#1970): nested under `error`.
      return [ev("error", "error", () => ({ error: { type: "server_error", code, message, param: null } }))];
    },
    keepalive: () => planned("keepalive", () => ": keepalive\n\n"),
    malformed: () =>
      planned("malformed", () => {
        const json = JSON.stringify({
          type: "response.output_text.delta",
          sequence_number: sequence++,
          ...where,
          delta: "broken",
        });
        return sse(truncateJson(json), "response.output_text.delta");
      }),
    unary() {
      const body = response(ctx.finishReason === "length" ? "incomplete" : "completed", {
        output: [item("completed", [part(text())])],
        usage: usage(),
      });
      return openaiUnary(body, requestId);
    },
    httpError: (spec) => openaiHttpError(spec, requestId),
  };
}

/** The Responses events a synthesized stream journals other than as "meta". */
const RESPONSE_KINDS: Record<string, EventClass> = {
  "response.output_item.done": { kind: "finish", finish: true },
  "response.completed": { kind: "terminator", terminator: true },
  "response.incomplete": { kind: "terminator", terminator: true },
  "response.failed": { kind: "error" },
  error: { kind: "error" },
  "response.function_call_arguments.delta": { kind: "tool-call" },
  "response.reasoning_summary_text.delta": { kind: "thinking" },
  "response.reasoning_text.delta": { kind: "thinking" },
};

/** What one Responses event is, by its `event:` name (equal to `data.type`, A2). */
function classify({ event, json, comment }: EventSample): EventClass {
  if (comment) return { kind: "keepalive" };
  const o = sampleObject(json);
  const type = event ?? (typeof o?.type === "string" ? o.type : "");
  if (type === "response.output_text.delta" && typeof o?.delta === "string")
    return o.delta === "" ? { kind: "meta" } : { kind: "content", text: o.delta };
  if (Object.hasOwn(RESPONSE_KINDS, type)) return RESPONSE_KINDS[type]!;
  return { kind: o ? "meta" : "malformed" };
}

export const openaiResponses: Codec = {
  name: "openai-responses",
  defaultModel: "gpt-4o-mini-2024-07-18",
  baseUrlPath: "/v1",
  baseUrlEnv: "OPENAI_BASE_URL",
  signature: {
    // Its headers are Chat Completions' (openai-*): only the events or the route tell the two apart.
    headers: [],
    event: ({ event, json }) => {
      const type = sampleObject(json)?.type;
      return (event ?? (typeof type === "string" ? type : "")).startsWith("response.");
    },
  },
  classify,
  route: (method, pathname) =>
    method === "POST" && pathname === "/v1/responses" ? { variant: "responses" } : undefined,
  wantsStream: (request) => request.stream === true,
  open,
};
