import { didYouMean } from "../lib/suggest.ts";
import { edges } from "../proxies/edges.ts";
import { matchesPattern } from "../scenarios/index.ts";
import { CLIENTS } from "./probe/clients.ts";
import type { ProbeClientName } from "./probe/observation.ts";

/**
 * A backend's `expectFailures` entry: `id` (every edge and client), `id@edge` (that edge), `id[h2]`
 * (that client, every edge), `id@edge[h2]` (both). The id and the edge may be globs; the client is
 * a name, as in `streamchaos repro`'s `scenario@backend/edge[h2]`.
 */
export interface ExpectedFailure {
  scenario: string;
  edge?: string;
  client?: ProbeClientName;
}

const SHAPE = /^([^@[\]]+)(?:@([^@[\]]+))?(?:\[([^[\]]*)\])?$/;

/** The entry's parts, or what is wrong with it (for the config's message, with a did-you-mean). */
export function parseExpectedFailure(entry: string): ExpectedFailure | { problem: string } {
  const match = SHAPE.exec(entry.trim());
  if (!match)
    return {
      problem: `"${entry}" is not a scenario pattern: write id, id@edge, id[client] or id@edge[client], e.g. "mid-*@nginx[h2]"`,
    };
  const [, scenario, edge, client] = match;
  if (edge !== undefined && !/[*?]/.test(edge) && !Object.hasOwn(edges, edge))
    return {
      problem: `unknown edge "${edge}" in "${entry}"${didYouMean(edge, Object.keys(edges))}; the edges are ${Object.keys(edges).join(", ")}`,
    };
  if (client !== undefined && !Object.hasOwn(CLIENTS, client))
    return {
      problem: `unknown client "${client}" in "${entry}"${didYouMean(client, Object.keys(CLIENTS))}; the clients are ${Object.keys(CLIENTS).join(", ")}`,
    };
  return {
    scenario: scenario!,
    ...(edge === undefined ? {} : { edge }),
    ...(client === undefined ? {} : { client: client as ProbeClientName }),
  };
}

/** Whether one of the backend's entries expects this scenario to fail on this edge and client. */
export function expectsFailure(
  entries: readonly string[],
  run: { scenario: string; edge: string; client: ProbeClientName },
): boolean {
  return entries.some((entry) => {
    const parsed = parseExpectedFailure(entry);
    if ("problem" in parsed) return false;
    if (!matchesPattern(run.scenario, [parsed.scenario])) return false;
    if (parsed.edge !== undefined && !matchesPattern(run.edge, [parsed.edge])) return false;
    return parsed.client === undefined || parsed.client === run.client;
  });
}
