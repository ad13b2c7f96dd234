import type { ProviderName } from "../journal-types.ts";
import type { Codec, RouteMatch } from "../types.ts";
import { anthropic } from "./anthropic.ts";
import { gemini } from "./gemini.ts";
import { ollama } from "./ollama.ts";
import { openai } from "./openai.ts";
import { openaiResponses } from "./openai-responses.ts";
import { openrouter } from "./openrouter.ts";

/** Provider codecs by name. Adding a provider is adding a file and one line here. */
export const providers: Record<ProviderName, Codec> = {
  openai,
  "openai-responses": openaiResponses,
  anthropic,
  gemini,
  openrouter,
  ollama,
};

export const providerNames = Object.keys(providers) as ProviderName[];
/** The codecs in registry order, for routing each request without listing them again. */
const codecs = Object.values(providers);

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(providers, name);
}

export function routeRequest(
  method: string,
  pathname: string,
  query: URLSearchParams,
): { codec: Codec; route: RouteMatch } | undefined {
  for (const codec of codecs) {
    const route = codec.route(method, pathname, query);
    if (route) return { codec, route };
  }
  return undefined;
}
