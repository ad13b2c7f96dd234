import type { StartedNetwork } from "testcontainers";
import { UserError } from "../../../lib/errors.ts";
import { trackLive } from "../../../lib/lifecycle.ts";
import type { Address, BoxAddress, StartedBox } from "../../../runtime/box.ts";
import {
  type BoxContainerSpec,
  type ContainerBox,
  startBoxContainer,
} from "../../../runtime/docker/box-container.ts";
import type { DockerSession } from "../../../runtime/docker/session.ts";
import { AddressMap } from "./address-map.ts";

export interface DockerLaneOptions {
  /** Network name suffix and label; `lane3` → `streamchaos-<session>-lane3`. */
  label: string;
  /**
   * Suffix aliases (`fake-2`) so that several lanes can share one network. Only the shared runtime
   * used without `forLane()` needs it; a lane of its own gets the plain names.
   */
  uniqueAliases?: boolean;
  /** Readiness deadline for fake, toxiproxy and edge containers (default 30 s). */
  readyTimeoutMs?: number;
}

export type ContainerRequest = Omit<BoxContainerSpec, "labels" | "network" | "alias" | "startupTimeoutMs"> & {
  startupTimeoutMs?: number;
};

/**
 * One lane's bridge network and the boxes on it: containers reachable by alias (`fake`, `toxiproxy`,
 * `backend`, `edge`) from each other and by a 127.0.0.1 port mapping from the harness. What a box
 * needs to start itself here (edges included) and what disposing the lane must take down.
 */
export class DockerLaneNetwork implements AsyncDisposable {
  readonly session: DockerSession;
  readonly options: DockerLaneOptions;
  readonly addresses = new AddressMap();
  #network: Promise<StartedNetwork> | undefined;
  #boxes = new Set<StartedBox>();
  #aliasCount = new Map<string, number>();
  #disposed = false;
  #untrack: () => void;

  constructor(session: DockerSession, options: DockerLaneOptions) {
    this.session = session;
    this.options = options;
    this.#untrack = trackLive(this);
  }

  get readyTimeoutMs(): number {
    return this.options.readyTimeoutMs ?? 30_000;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  network(): Promise<StartedNetwork> {
    this.#network ??= this.session.createNetwork(
      `streamchaos-${this.session.identity.session}-${this.options.label}`,
    );
    return this.#network;
  }

  alias(base: string): string {
    if (!this.options.uniqueAliases) return base;
    const n = (this.#aliasCount.get(base) ?? 0) + 1;
    this.#aliasCount.set(base, n);
    return `${base}-${n}`;
  }

  /** Starts a container on this lane's network with the session's labels; tracked for dispose. */
  async startContainer(
    request: ContainerRequest & { aliasBase: string },
    internalPort?: number,
  ): Promise<ContainerBox> {
    this.assertOpen();
    const { aliasBase, ...rest } = request;
    const box = await startBoxContainer(
      this.session.client,
      {
        ...rest,
        alias: this.alias(aliasBase),
        labels: this.session.labels(request.box),
        network: await this.network(),
        startupTimeoutMs: request.startupTimeoutMs ?? this.readyTimeoutMs,
      },
      internalPort,
    );
    this.own(box);
    return box;
  }

  /** Records how the host reaches an internal address (for env of host-run backends). */
  mapAddress(address: BoxAddress): void {
    this.addresses.add(address);
  }

  /** Resolves the addresses a box was given through toxiproxy slots etc. Used by edges. */
  externalFor(internal: Address): Address | undefined {
    return this.addresses.externalFor(internal);
  }

  /** Takes a box down with the lane; its own dispose forgets it. */
  own<T extends StartedBox>(box: T): T {
    this.#boxes.add(box);
    const dispose = box[Symbol.asyncDispose].bind(box);
    box[Symbol.asyncDispose] = async () => {
      this.#boxes.delete(box);
      await dispose();
    };
    return box;
  }

  assertOpen(): void {
    if (this.#disposed) {
      throw new UserError("DOCKER_RUNTIME_DISPOSED", {
        what: "The docker lane runtime was already disposed",
        fix: "Start boxes before disposing the runtime, or create a new one.",
      });
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#untrack();
    await Promise.allSettled([...this.#boxes].map((box) => box[Symbol.asyncDispose]()));
    const network = this.#network;
    this.#network = undefined;
    if (network) await (await network).stop().catch(() => {});
  }
}
