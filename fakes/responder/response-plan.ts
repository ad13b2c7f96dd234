import type { RequestView } from "../faults/fault.ts";
import { seededRandom } from "../pacing.ts";
import { argumentPieces, planned, splitWords } from "../providers/shared.ts";
import { type Script, scriptTokens } from "../script.ts";
import type {
  Codec,
  PlannedEvent,
  ProviderStream,
  RenderContext,
  ResponseHead,
  RouteMatch,
} from "../types.ts";
import type { FaultSteps } from "./fault-steps.ts";
import { ReplayStream } from "./replay-stream.ts";

/** The status and headers a response starts with. */

/** What the codec renders this request's answer from: the script, with its defaults filled in. */
export function renderContext({
  codec,
  model,
  request,
  route,
  script,
}: {
  codec: Codec;
  model: string;
  request: RequestView;
  route: RouteMatch;
  script: Script;
}): RenderContext {
  const tokens = scriptTokens(script);
  const toolCalls = script.content?.toolCalls ?? [];
  // Thinking and call arguments are output tokens too, roughly a word or a fragment each.
  const produced =
    tokens.length +
    toolCalls.reduce((n, call) => n + argumentPieces(call.arguments).length, 0) +
    splitWords(script.content?.thinking ?? "").length;
  return {
    provider: codec.name,
    model,
    request: request.body,
    variant: route.variant,
    tokens,
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
    ...(script.content?.thinking === undefined ? {} : { thinking: script.content.thinking }),
    finishReason: script.finishReason ?? (toolCalls.length > 0 ? "tool_calls" : "stop"),
    usage: {
      promptTokens: script.usage?.promptTokens ?? 10,
      completionTokens: script.usage?.completionTokens ?? Math.max(1, produced),
    },
    omitUsage: false,
    rng: seededRandom(script.pacing?.seed ?? 1),
  };
}

/**
 * The answer as planned events, and its head: a stream's events, or a unary body as one event. A
 * replay answers what was recorded, streamed or not, whatever the request asked.
 */
export function planResponse(
  stream: ProviderStream,
  streaming: boolean,
  ctx: RenderContext,
  faults: FaultSteps,
): { plan: PlannedEvent[]; head: ResponseHead } {
  if (stream instanceof ReplayStream)
    return { head: stream.head(faults.keepsBodyLength()), plan: stream.plan() };
  if (streaming) return { plan: stream.plan(), head: { status: 200, headers: stream.headers() } };
  const unary = stream.unary();
  const text = ctx.tokens.join("");
  const plan = [planned("content", () => unary.body, { text, finish: true, terminator: true })];
  // A known length unless a step may cut or extend the body.
  const headers = faults.keepsBodyLength()
    ? { ...unary.headers, "content-length": String(Buffer.byteLength(unary.body)) }
    : unary.headers;
  return { plan, head: { status: unary.status, headers } };
}
