import type { ProviderName } from "../journal-types.ts";
import { recognizeProvider } from "../providers/recognize.ts";
import type { Cassette } from "./cassette.ts";
import { cassetteEvents } from "./events.ts";

/**
 * Names a cassette's provider: the user's word when given, else its route, its events' shapes or a
 * provider-only header (fakes/providers/recognize.ts), else "unknown".
 */
export function withProvider(cassette: Cassette, named?: ProviderName): Cassette {
  if (named !== undefined) return { ...cassette, provider: named, providerBy: "user" };
  const { framing, events } = cassetteEvents(cassette);
  const recognition = recognizeProvider({
    ...(cassette.request
      ? { method: cassette.request.method, path: cassette.request.path, query: cassette.request.query }
      : {}),
    headers: [...(cassette.request?.headers ?? []), ...(cassette.response?.headers ?? [])],
    events: framing === "whole" ? [] : events,
  });
  return { ...cassette, provider: recognition.provider ?? "unknown", providerBy: recognition.by ?? "none" };
}
