import { UserError } from "../../../lib/errors.ts";
import { hostPort } from "../../../lib/net.ts";
import type { BoxAddress, StartedBox } from "../../../runtime/box.ts";
import { isBoxImageRole } from "../../../runtime/docker/image-resolver.ts";
import type { DockerSession } from "../../../runtime/docker/session.ts";
import { renderTemplate } from "../../../runtime/template.ts";
import { clientsUnsupportedOnDocker } from "../../probe/clients.ts";
import type { BackendSpec, EdgeSpec, FakeBox, Runtime, ToxiproxyBox } from "../runtime.ts";
import { getDockerEdge } from "./edges/registry.ts";
import { startBackendOnHost } from "./host-backend.ts";
import { DockerLaneNetwork, type DockerLaneOptions } from "./lane-network.ts";
import {
  BACKEND_PORT,
  FAKE_ADMIN_PORT,
  FAKE_HEALTH_PATH,
  FAKE_PORT,
  httpReady,
  TOXIPROXY_API_PORT,
  TOXIPROXY_FIRST_SLOT_PORT,
} from "./ports.ts";

export type { DockerLaneOptions } from "./lane-network.ts";

/**
 * The Runtime of one lane on docker: which container each box is and how it is wired. Where the
 * containers live (the lane's network, aliases, address mappings, teardown) is DockerLaneNetwork's.
 */
export class DockerLaneRuntime implements Runtime {
  readonly name = "docker" as const;
  readonly lane: DockerLaneNetwork;

  constructor(session: DockerSession, options: DockerLaneOptions) {
    this.lane = new DockerLaneNetwork(session, options);
  }

  get session(): DockerSession {
    return this.lane.session;
  }

  get disposed(): boolean {
    return this.lane.disposed;
  }

  async startFake(): Promise<FakeBox> {
    const image = await this.session.image("fake");
    const box = await this.lane.startContainer(
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
    this.lane.mapAddress(box.address);
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
    const box = await this.lane.startContainer(
      {
        box: "toxiproxy",
        name: "toxiproxy",
        aliasBase: "toxiproxy",
        image: image.ref,
        // The official image's entrypoint is /toxiproxy and listens on localhost unless told otherwise;
        // ours records every hop's bytes when asked (the lane reads them; a relay on the host could not
        // stand between containers). The official one cannot: its results say hops are unavailable.
        command: image.source === "official" ? ["-host=0.0.0.0"] : ["--taps"],
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
      this.lane.mapAddress(address);
      return { listen: `0.0.0.0:${port}`, address };
    });
    this.lane.mapAddress(box.address);
    const api = box.external(TOXIPROXY_API_PORT);
    return Object.assign(box, {
      apiUrl: `http://${hostPort(api.host, api.port)}`,
      hopSlots,
      tapsOnlyInServer: true as const,
    });
  }

  async startBackend(spec: BackendSpec): Promise<StartedBox> {
    if (spec.image) return this.#startBackendContainer(spec, spec.image);
    if (spec.command) return this.lane.own(await startBackendOnHost(this.lane, spec, spec.command));
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
    const box = await this.lane.startContainer(
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
    this.lane.mapAddress(box.address);
    return box;
  }

  async startEdge(spec: EdgeSpec): Promise<StartedBox> {
    if (spec.tls) throw clientsUnsupportedOnDocker();
    this.lane.assertOpen();
    const box = await getDockerEdge(spec.edge).start(this.lane, spec);
    this.lane.mapAddress(box.address);
    return box;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.lane[Symbol.asyncDispose]();
  }
}
