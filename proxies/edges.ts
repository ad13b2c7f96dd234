import { UserError } from "../lib/errors.ts";
import { caddyEdge } from "./caddy/caddy-edge.ts";
import { directEdge } from "./direct/direct-edge.ts";
import type { EdgeDefinition } from "./edge.ts";
import { nginxEdge } from "./nginx/nginx-edge.ts";

/** Every edge by name. Adding one is a folder with its definition and a line here. */
export const edges: Record<string, EdgeDefinition> = {
  [directEdge.name]: directEdge,
  [nginxEdge.name]: nginxEdge,
  [caddyEdge.name]: caddyEdge,
};

export function getEdge(name: string): EdgeDefinition {
  const edge = edges[name];
  if (!edge) {
    throw new UserError("EDGE_UNKNOWN", {
      what: `Unknown edge "${name}"`,
      why: `the known edges are ${Object.keys(edges).join(", ")}`,
      fix: "Use one of those names in --edge or the config's `edges`.",
    });
  }
  return edge;
}
