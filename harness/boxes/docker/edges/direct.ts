import type { StartedBox } from "../../runtime.ts";
import type { DockerEdge } from "./docker-edge.ts";

/** No proxy: the edge's address is its upstream's (usually the hop B slot), nothing to start. */
export const directDockerEdge: DockerEdge = {
  name: "direct",
  async start(lane, spec): Promise<StartedBox> {
    const external = lane.externalFor(spec.upstream) ?? spec.upstream;
    return {
      name: "direct:default",
      address: { internal: spec.upstream, external },
      logs: () => [],
      alive: async () => true,
      async [Symbol.asyncDispose]() {},
    };
  },
};
