import {
  type EdgeDefinition,
  type RenderedConfig,
  renderEdgeConfig,
  type UserConfigRules,
} from "../../../../proxies/edge.ts";
import type { EdgeSpec, StartedBox } from "../../runtime.ts";
import type { DockerLaneNetwork } from "../lane-network.ts";
import { EDGE_PORT } from "../ports.ts";

/**
 * How one edge runs as a container. The config itself comes from the edge's own code in proxies/
 * (profiles, the user's file, the same rewriting as for a local process); only where it runs differs.
 */
export interface DockerEdge {
  name: string;
  start(lane: DockerLaneNetwork, spec: EdgeSpec): Promise<StartedBox>;
}

/** The edge's config as proxies/ renders it for a local process, listening on EDGE_PORT instead. */
export function renderForContainer(
  edge: EdgeDefinition,
  spec: EdgeSpec,
  rules: UserConfigRules,
): Promise<RenderedConfig> {
  return renderEdgeConfig(
    edge,
    {
      upstream: spec.upstream,
      ...(spec.profile ? { profile: spec.profile } : {}),
      ...(spec.configFile ? { configFile: spec.configFile } : {}),
    },
    { host: "0.0.0.0", port: EDGE_PORT },
    rules,
  );
}
