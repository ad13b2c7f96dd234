import { UserError } from "../../../../lib/errors.ts";
import { caddyDockerEdge } from "./caddy.ts";
import { directDockerEdge } from "./direct.ts";
import type { DockerEdge } from "./docker-edge.ts";
import { nginxDockerEdge } from "./nginx.ts";

/** Every edge the docker runtime can run, by name: a file here and a line below. */
export const dockerEdges: Record<string, DockerEdge> = {
  [directDockerEdge.name]: directDockerEdge,
  [nginxDockerEdge.name]: nginxDockerEdge,
  [caddyDockerEdge.name]: caddyDockerEdge,
};

export function getDockerEdge(name: string): DockerEdge {
  const edge = dockerEdges[name];
  if (!edge) {
    throw new UserError("EDGE_UNKNOWN", {
      what: `The docker runtime has no edge "${name}"`,
      why: `its edges are ${Object.keys(dockerEdges).join(", ")}`,
      fix: "Use one of those in --edge, or run with --runtime local.",
    });
  }
  return edge;
}
