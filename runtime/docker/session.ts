import { networkInterfaces } from "node:os";
import type Dockerode from "dockerode";
import { type ContainerRuntimeClient, getContainerRuntimeClient, StartedNetwork } from "testcontainers";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { applyTestcontainersDefaults, ENGINE_FIX, probeEngine } from "./docker-env.ts";
import {
  cachedDeps,
  type ImageOverrides,
  type ResolvedImage,
  type ResolverDeps,
  resolveImage,
} from "./image-resolver.ts";
import type { BoxImageRole } from "./images.ts";
import { LABEL_SESSION, newSession, type SessionIdentity, sessionLabels } from "./labels.ts";
import { removeByLabel, type SweepResult, sweepOrphans } from "./sweep.ts";

export interface DockerSessionOptions {
  images?: ImageOverrides;
  /** Called once per message: a stale image, a sweep that removed leftovers. Default: stderr. */
  onWarning?: (message: string) => void;
}

/**
 * One process's use of the engine: its labels, its image choices, and the cleanup of everything it
 * created. Lanes (DockerLaneRuntime) create their networks and containers through it.
 */
export class DockerSession {
  readonly identity: SessionIdentity;
  readonly client: ContainerRuntimeClient;
  readonly swept: SweepResult;
  readonly #images: ImageOverrides;
  readonly #deps: ResolverDeps;
  readonly #resolved = new Map<BoxImageRole, Promise<ResolvedImage>>();
  readonly #warn: (message: string) => void;
  readonly #warned = new Set<string>();
  #gateway: Promise<string> | undefined;

  private constructor(client: ContainerRuntimeClient, swept: SweepResult, options: DockerSessionOptions) {
    this.client = client;
    this.swept = swept;
    this.identity = newSession();
    this.#images = options.images ?? {};
    this.#warn = options.onWarning ?? ((message) => process.stderr.write(`streamchaos: ${message}\n`));
    this.#deps = cachedDeps(async (ref) => {
      try {
        await this.docker.getImage(ref).inspect();
        return true;
      } catch {
        return false;
      }
    });
  }

  static async open(options: DockerSessionOptions = {}): Promise<DockerSession> {
    applyTestcontainersDefaults();
    const engine = await probeEngine();
    if (!engine.ok) {
      throw new UserError("DOCKER_UNAVAILABLE", {
        what: "The docker runtime needs a Docker engine",
        why: engine.reason,
        fix: `${ENGINE_FIX} Or run with --runtime local.`,
      });
    }
    const client = await getContainerRuntimeClient();
    // A run killed with -9 (or a crashed CI job) left containers behind: remove those of dead owners.
    const swept = await sweepOrphans(client.container.dockerode);
    const session = new DockerSession(client, swept, options);
    if (swept.sessions.length > 0) {
      session.warn(
        `removed ${swept.containers.length} container(s) and ${swept.networks.length} network(s) left by ${swept.sessions.length} earlier run(s) that did not clean up`,
      );
    }
    return session;
  }

  get docker(): Dockerode {
    return this.client.container.dockerode;
  }

  warn(message: string): void {
    if (this.#warned.has(message)) return;
    this.#warned.add(message);
    this.#warn(message);
  }

  labels(box?: string): Record<string, string> {
    return sessionLabels(this.identity, box);
  }

  image(role: BoxImageRole): Promise<ResolvedImage> {
    let resolved = this.#resolved.get(role);
    if (!resolved) {
      resolved = resolveImage(role, this.#images, this.#deps).then((image) => {
        if (image.source === "stale") {
          this.warn(
            `using ${image.ref}, built from older sources than this checkout; rebuild with: npx tsx docker/build-images.ts`,
          );
        }
        return image;
      });
      // A failed lookup is not cached: the user may build the image and retry in the same process.
      resolved.catch(() => this.#resolved.delete(role));
      this.#resolved.set(role, resolved);
    }
    return resolved;
  }

  /** A bridge network labelled with this session (testcontainers' Network cannot take labels). */
  async createNetwork(name: string): Promise<StartedNetwork> {
    const network = await this.client.network.create({
      Name: name,
      CheckDuplicate: true,
      Driver: "bridge",
      Internal: false,
      Attachable: false,
      Ingress: false,
      EnableIPv6: false,
      Labels: this.labels("network"),
    });
    return new StartedNetwork(this.client, name, network);
  }

  /**
   * The address `host-gateway` resolves to inside containers: the default bridge's gateway. A backend
   * run on the host for the docker runtime listens there: reachable from every container, and unlike
   * 0.0.0.0 not from other machines.
   */
  bridgeGateway(): Promise<string> {
    this.#gateway ??= this.docker
      .getNetwork("bridge")
      .inspect()
      .then((info: { IPAM?: { Config?: Array<{ Gateway?: string }> }; Options?: Record<string, string> }) => {
        // Docker 20.10 leaves Gateway out of the default bridge's IPAM; the bridge interface has it.
        const bridge = info.Options?.["com.docker.network.bridge.name"] ?? "docker0";
        const gateway =
          info.IPAM?.Config?.find((c) => c.Gateway)?.Gateway ??
          networkInterfaces()[bridge]?.find((a) => a.family === "IPv4")?.address;
        if (!gateway) {
          throw new StreamchaosError("DOCKER_NO_BRIDGE_GATEWAY", {
            what: "The default bridge network has no gateway address",
            fix: "Start dockerd with its default bridge (no --bridge=none) to run backends on the host.",
          });
        }
        return gateway;
      });
    return this.#gateway;
  }

  /** Removes every container and network of this session, whoever started them. */
  async removeAll(): Promise<SweepResult> {
    return removeByLabel(this.docker, LABEL_SESSION, this.identity.session);
  }
}
