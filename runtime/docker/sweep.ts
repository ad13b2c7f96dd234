import type Dockerode from "dockerode";
import {
  identityFromLabels,
  isOrphaned,
  LABEL_SESSION,
  LABEL_STREAMCHAOS,
  type SessionIdentity,
} from "./labels.ts";

export interface SweepResult {
  containers: string[];
  networks: string[];
  sessions: string[];
}

/** Removes every container, then every network, carrying `label=value`. Containers first: a network in use cannot go. */
export async function removeByLabel(docker: Dockerode, label: string, value: string): Promise<SweepResult> {
  const filters = JSON.stringify({ label: [`${label}=${value}`] });
  const containers = await docker.listContainers({ all: true, filters });
  await Promise.all(containers.map((c) => removeContainer(docker, c.Id)));
  const networks = await docker.listNetworks({ filters });
  await Promise.all(networks.map((n) => removeNetwork(docker, n.Id)));
  return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id), sessions: [value] };
}

/**
 * Removes what killed runs left behind: resources of sessions whose owning process on this machine is
 * dead. Live sessions (other lanes, other engineers' runs) are left alone.
 */
export async function sweepOrphans(
  docker: Dockerode,
  isOrphan: (identity: SessionIdentity) => boolean = (identity) => isOrphaned(identity),
): Promise<SweepResult> {
  const filters = JSON.stringify({ label: [`${LABEL_STREAMCHAOS}=true`] });
  const [containers, networks] = await Promise.all([
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  const dead = new Set<string>();
  for (const resource of [...containers, ...networks]) {
    const identity = identityFromLabels(resource.Labels);
    if (identity && isOrphan(identity)) dead.add(identity.session);
  }
  const result: SweepResult = { containers: [], networks: [], sessions: [...dead] };
  for (const session of dead) {
    const removed = await removeByLabel(docker, LABEL_SESSION, session);
    result.containers.push(...removed.containers);
    result.networks.push(...removed.networks);
  }
  return result;
}

async function removeContainer(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getContainer(id).remove({ force: true, v: true });
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

async function removeNetwork(docker: Dockerode, id: string): Promise<void> {
  try {
    await docker.getNetwork(id).remove();
  } catch (error) {
    if (!isGone(error)) throw error;
  }
}

/** 404: already removed (by a concurrent sweep or dispose); 409: removal already in progress. */
function isGone(error: unknown): boolean {
  const status = (error as { statusCode?: number }).statusCode;
  return status === 404 || status === 409;
}
