import type { ProviderName } from "../journal-types.ts";
import type { EventSample } from "../types.ts";
import { providers, routeRequest } from "./registry.ts";

/** What is known about one captured exchange; every part is optional (a raw capture has only events). */
export interface CapturedExchange {
  method?: string;
  path?: string;
  /** Query string without the leading "?". */
  query?: string;
  /** Request and response headers, any case. */
  headers?: ReadonlyArray<readonly [string, string]>;
  /** The body's events, when it is a stream (SSE, NDJSON, JSON array); empty for a plain body. */
  events?: readonly EventSample[];
}

export interface Recognition {
  provider: ProviderName | undefined;
  /** What decided it: the fake's own route table, the events' shapes, or a provider-only header. */
  by: "route" | "events" | "headers" | undefined;
}

/**
 * Which provider an exchange is. The route the fake serves decides, unless the body is a stream
 * none of whose events that provider would send while another provider's signature matches them:
 * a browser's HAR of the user's own `POST /api/chat` carrying OpenAI chunks is not Ollama. Then the
 * events decide, then the headers only one provider sends.
 */
export function recognizeProvider(exchange: CapturedExchange): Recognition {
  const events = exchange.events ?? [];
  const byEvents = bestByEvents(events);
  if (exchange.method !== undefined && exchange.path !== undefined) {
    const routed = routeRequest(exchange.method, exchange.path, new URLSearchParams(exchange.query ?? ""));
    const contradicted =
      routed && byEvents && byEvents !== routed.codec.name && !events.some(routed.codec.signature.event);
    if (routed && !contradicted) return { provider: routed.codec.name, by: "route" };
  }
  if (byEvents) return { provider: byEvents, by: "events" };
  const byHeaders = bestByHeaders(exchange.headers ?? []);
  if (byHeaders) return { provider: byHeaders, by: "headers" };
  return { provider: undefined, by: undefined };
}

/** The provider whose signature matches the most events (at least one). */
function bestByEvents(events: readonly EventSample[]): ProviderName | undefined {
  let best: ProviderName | undefined;
  let bestCount = 0;
  for (const codec of Object.values(providers)) {
    const count = events.filter((sample) => codec.signature.event(sample)).length;
    if (count > bestCount) {
      best = codec.name;
      bestCount = count;
    }
  }
  return best;
}

function bestByHeaders(headers: ReadonlyArray<readonly [string, string]>): ProviderName | undefined {
  const names = headers.map(([name]) => name.toLowerCase());
  for (const codec of Object.values(providers)) {
    const hit = codec.signature.headers.some((signature) =>
      signature.endsWith("-") ? names.some((n) => n.startsWith(signature)) : names.includes(signature),
    );
    if (hit) return codec.name;
  }
  return undefined;
}
