import { openai } from "../providers/openai.ts";
import type { FinishReason, ProviderStream } from "../types.ts";

/** An OpenAI chat stream opened straight from the codec, as the responder opens one, for unit tests. */
export function openaiTestStream(
  model: string,
  streamOptions: object,
  tokens: string[],
  rng: () => number,
  finishReason: FinishReason = "stop",
): ProviderStream {
  return openai.open({
    provider: "openai",
    model,
    request: { stream: true, stream_options: streamOptions },
    variant: "",
    tokens,
    finishReason,
    usage: { promptTokens: 1, completionTokens: 1 },
    omitUsage: false,
    rng,
  });
}
