import type { EdgeSpec, StartedBox } from "../../../lane/runtime.ts";
import type { DockerLaneRuntime } from "../lane-runtime.ts";

/**
 * How one edge runs as a container. The config itself comes from the edge's own code in proxies/
 * (profiles, the user's file, the same rewriting as for a local process); only where it runs differs.
 */
export interface DockerEdge {
  name: string;
  start(lane: DockerLaneRuntime, spec: EdgeSpec): Promise<StartedBox>;
}
