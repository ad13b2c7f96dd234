import type { StartedNetwork } from "testcontainers";
import { Wait } from "testcontainers";
import { UserError } from "../../../lib/errors.ts";
import { trackLive } from "../../../lib/lifecycle.ts";
import { hostPort, reservePort } from "../../../lib/net.ts";
import {
  type BoxContainerSpec,
  type ContainerBox,
  HOST_GATEWAY_NAME,
  startBoxContainer,
} from "../../../runtime/docker/box-container.ts";
import { isBoxImageRole } from "../../../runtime/docker/image-resolver.ts";
import type { DockerSession } from "../../../runtime/docker/session.ts";
import { startProcess } from "../../../runtime/process/start-process.ts";
import { renderTemplate } from "../../../runtime/template.ts";
import { Wait as LocalWait } from "../../../runtime/wait/wait.ts";
import type {
  Address,
  BackendSpec,
  BoxAddress,
  EdgeSpec,
  FakeBox,
  Runtime,
  StartedBox,
  ToxiproxyBox,
} from "../runtime.ts";
import { getDockerEdge } from "./edges/registry.ts";

/** Ports inside the boxes: fixed, since every box has its own network namespace. */
export const FAKE_PORT = 8080;
export const FAKE_ADMIN_PORT = 8081;
export const TOXIPROXY_API_PORT = 8474;
export const TOXIPROXY_FIRST_SLOT_PORT = 10_000;
export const BACKEND_PORT = 8000;
export const EDGE_PORT = 8080;
/**
 * testcontainers' HTTP wait polls once per read timeout (default 1 s), which cost each box a second
 * of idle waiting; 200 ms polls find a node box ready ~1 s sooner. A container that exits fails the
 * wait at once instead of at the deadline.
 */
export function httpReady(path: string, port: number) {
  return Wait.forHttp(path, port, { abortOnContainerExit: true }).withReadTimeout(200);
}

/** `streamchaos fake` serves its admin API under this prefix (fakes/admin.ts ADMIN_PREFIX). */
const FAKE_HEALTH_PATH = "/__streamchaos/health";

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

type ContainerRequest = Omit<BoxContainerSpec, "labels" | "network" | "alias" | "startupTimeoutMs"> & {
  startupTimeoutMs?: number;
};

/**
 * The boxes of one lane as containers on one bridge network, each reachable by its alias (`fake`,
 * `toxiproxy`, `backend`, `edge`) from the others and by a 127.0.0.1 port mapping from the harness.
 */
export class DockerLaneRuntime implements Runtime {
  readonly name = "docker" as const;
  readonly session: DockerSession;
  readonly options: DockerLaneOptions;
  #network: Promise<StartedNetwork> | undefined;
  #boxes = new Set<StartedBox>();
  #aliasCount = new Map<string, number>();
  /** internal host:port → external host:port of every box here, for backends run on the host. */
  #externalOf = new Map<string, string>();
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
    this.#assertOpen();
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
    return this.#own(box);
  }

  /** Records how the host reaches an internal address (for env of host-run backends). */
  mapAddress(address: BoxAddress): void {
    this.#externalOf.set(
      hostPort(address.internal.host, address.internal.port),
      hostPort(address.external.host, address.external.port),
    );
  }

  async startFake(): Promise<FakeBox> {
    const image = await this.session.image("fake");
    const box = await this.startContainer(
      {
        box: "fake",
        name: "fake",
        aliasBase: "fake",
        image: image.ref,
        ports: [FAKE_PORT, FAKE_ADMIN_PORT],
        wait: httpReady(FAKE_HEALTH_PATH, FAKE_ADMIN_PORT),
      },
      FAKE_PORT,
    );
    this.mapAddress(box.address);
    const admin = box.external(FAKE_ADMIN_PORT);
    return Object.assign(box, { adminUrl: `http://${hostPort(admin.host, admin.port)}` });
  }

  async startToxiproxy(slots: number): Promise<ToxiproxyBox> {
    if (!Number.isInteger(slots) || slots < 0 || slots > 64) {
      throw new UserError("DOCKER_BAD_SLOTS", {
        what: `Invalid toxiproxy slot count ${slots}`,
        fix: "Ask for 0 to 64 hop slots.",
      });
    }
    const image = await this.session.image("toxiproxy");
    const slotPorts = Array.from({ length: slots }, (_, i) => TOXIPROXY_FIRST_SLOT_PORT + i);
    const box = await this.startContainer(
      {
        box: "toxiproxy",
        name: "toxiproxy",
        aliasBase: "toxiproxy",
        image: image.ref,
        // The official image's entrypoint is /toxiproxy and listens on localhost unless told otherwise.
        ...(image.source === "official" ? { command: ["-host=0.0.0.0"] } : {}),
        ports: [TOXIPROXY_API_PORT, ...slotPorts],
        wait: httpReady("/version", TOXIPROXY_API_PORT),
      },
      TOXIPROXY_API_PORT,
    );
    const hopSlots = slotPorts.map((port) => {
      const address: BoxAddress = {
        internal: { host: box.address.internal.host, port },
        external: box.external(port),
      };
      this.mapAddress(address);
      return { listen: `0.0.0.0:${port}`, address };
    });
    this.mapAddress(box.address);
    const api = box.external(TOXIPROXY_API_PORT);
    return Object.assign(box, { apiUrl: `http://${hostPort(api.host, api.port)}`, hopSlots });
  }

  async startBackend(spec: BackendSpec): Promise<StartedBox> {
    if (spec.image) return this.#startBackendContainer(spec, spec.image);
    if (spec.command) return this.#startBackendOnHost(spec, spec.command);
    throw new UserError("BACKEND_NO_COMMAND", {
      what: `Backend "${spec.name}" has neither an image nor a command`,
      fix: "Give the backend an `image` (docker runtime) or a `command` (run on the host).",
    });
  }

  async #startBackendContainer(spec: BackendSpec, imageName: string): Promise<StartedBox> {
    // `image: "node-backend"` names one of streamchaos's own images; anything else is a reference.
    const image = isBoxImageRole(imageName) ? (await this.session.image(imageName)).ref : imageName;
    const port = spec.port ?? BACKEND_PORT;
    const vars = { port: String(port), host: "0.0.0.0" };
    const env: Record<string, string> = { HOST: "0.0.0.0", PORT: String(port) };
    for (const [key, value] of Object.entries(spec.env)) {
      env[key] = renderTemplate(value, vars, `backend "${spec.name}" env ${key}`);
    }
    const command = spec.command;
    const box = await this.startContainer(
      {
        box: "backend",
        name: spec.name,
        aliasBase: "backend",
        image,
        ports: [port],
        env,
        ...(command
          ? {
              entrypoint: [command.command],
              command: command.args.map((arg) => renderTemplate(arg, vars, `backend "${spec.name}" args`)),
            }
          : {}),
        ...(command?.cwd ? { workdir: command.cwd } : {}),
        wait: httpReady(spec.healthPath, port),
        startupTimeoutMs: spec.readyTimeoutMs,
      },
      port,
    );
    this.mapAddress(box.address);
    return box;
  }

  /**
   * A backend run as a host process: containers reach it through `host-gateway`, so it listens on the
   * default bridge's gateway address (not 0.0.0.0: that would expose it to the whole network). Its env
   * was templated with the boxes' internal names, which the host cannot resolve; they are rewritten to
   * the 127.0.0.1 mappings of the same boxes.
   */
  async #startBackendOnHost(
    spec: BackendSpec,
    command: NonNullable<BackendSpec["command"]>,
  ): Promise<StartedBox> {
    const gateway = await this.session.bridgeGateway();
    const port = spec.port ?? (await reservePort(gateway));
    const vars = { port: String(port), host: gateway };
    const rewrite = (value: string) => this.toHostAddresses(value);
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.env)) {
      env[key] = rewrite(renderTemplate(value, vars, `backend "${spec.name}" env ${key}`));
    }
    const args = command.args.map((arg) => rewrite(renderTemplate(arg, vars, `backend "${spec.name}" args`)));
    const child = await startProcess({
      name: `backend "${spec.name}"`,
      command: command.command,
      args,
      env,
      ...(command.cwd ? { cwd: command.cwd } : {}),
      ports: [{ host: gateway, port }],
      readiness: LocalWait.forHttp(`http://${hostPort(gateway, port)}${spec.healthPath}`).withTimeout(
        spec.readyTimeoutMs,
      ),
    });
    const box: StartedBox = {
      name: spec.name,
      address: { internal: { host: HOST_GATEWAY_NAME, port }, external: { host: gateway, port } },
      logs: () => child.logs().map((l) => ({ t: l.t, line: l.line, source: l.stream })),
      alive: async () => child.alive(),
      [Symbol.asyncDispose]: async () => {
        this.#boxes.delete(box);
        await child[Symbol.asyncDispose]();
      },
    };
    this.#boxes.add(box);
    return box;
  }

  /** Replaces every known internal `host:port` in `value` with how the host reaches it. */
  toHostAddresses(value: string): string {
    return rewriteAddresses(value, this.#externalOf);
  }

  async startEdge(spec: EdgeSpec): Promise<StartedBox> {
    this.#assertOpen();
    const box = await getDockerEdge(spec.edge).start(this, spec);
    this.mapAddress(box.address);
    return box;
  }

  /** Resolves the addresses a box was given through toxiproxy slots etc. Used by edges. */
  externalFor(internal: Address): Address | undefined {
    const mapped = this.#externalOf.get(hostPort(internal.host, internal.port));
    if (!mapped) return undefined;
    const at = mapped.lastIndexOf(":");
    return { host: mapped.slice(0, at), port: Number(mapped.slice(at + 1)) };
  }

  #own(box: ContainerBox): ContainerBox {
    this.#boxes.add(box);
    const dispose = box[Symbol.asyncDispose].bind(box);
    box[Symbol.asyncDispose] = async () => {
      this.#boxes.delete(box);
      await dispose();
    };
    return box;
  }

  #assertOpen(): void {
    if (this.#disposed) {
      throw new UserError("DOCKER_RUNTIME_DISPOSED", {
        what: "The docker lane runtime was already disposed",
        fix: "Start boxes before disposing the runtime, or create a new one.",
      });
    }
  }

  get disposed(): boolean {
    return this.#disposed;
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

/**
 * Replaces each `internal` host:port in `value` with its `external` counterpart. Only whole
 * addresses are replaced: `toxiproxy:10001` must not match inside `toxiproxy:100010` or `xtoxiproxy:10001`.
 */
export function rewriteAddresses(value: string, map: ReadonlyMap<string, string>): string {
  if (map.size === 0) return value;
  const escaped = [...map.keys()]
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const pattern = new RegExp(`(?<![\\w.-])(?:${escaped.join("|")})(?!\\d)`, "g");
  return value.replace(pattern, (found) => map.get(found) ?? found);
}
