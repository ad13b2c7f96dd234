export type { BoxContainerSpec, ContainerBox } from "../../../runtime/docker/box-container.ts";
export { HOST_GATEWAY_NAME } from "../../../runtime/docker/box-container.ts";
export {
  applyTestcontainersDefaults,
  type EngineStatus,
  probeEngine,
} from "../../../runtime/docker/docker-env.ts";
export {
  envOverrideName,
  type ImageOverrides,
  type ResolvedImage,
  resolveImage,
} from "../../../runtime/docker/image-resolver.ts";
export {
  BOX_IMAGE_ROLES,
  type BoxImageRole,
  computeImageTags,
  IMAGES,
  type ImageName,
  imageRef,
  LOCAL_TAG,
  OFFICIAL_TOXIPROXY_IMAGE,
} from "../../../runtime/docker/images.ts";
export { LABEL_SESSION, LABEL_STREAMCHAOS } from "../../../runtime/docker/labels.ts";
export { DockerSession } from "../../../runtime/docker/session.ts";
export { removeByLabel, type SweepResult, sweepOrphans } from "../../../runtime/docker/sweep.ts";
export { createDockerRuntime, DockerRuntime, type DockerRuntimeOptions } from "./docker-runtime.ts";
export { dockerEdges, getDockerEdge } from "./edges/registry.ts";
export { type DockerLaneOptions, DockerLaneRuntime } from "./lane-runtime.ts";
