import type Dockerode from "dockerode";
import {
  type ContainerRuntimeClient,
  GenericContainer,
  type StartedNetwork,
  type StartedTestContainer,
  type WaitStrategy,
} from "testcontainers";
import { UserError } from "../../lib/errors.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import type { Address, BoxAddress, LogLine, StartedBox } from "../box.ts";
import type { LogLine as RawLogLine } from "../logs/log-lines.ts";
import { ContainerLogs } from "./container-logs.ts";

/** How the host reaches what listens on the host from inside a container (see README: host-gateway). */
export const HOST_GATEWAY_NAME = "host.docker.internal";

/**
 * A GenericContainer whose mapped ports listen on 127.0.0.1 only (testcontainers binds every
 * interface: a fake provider would be reachable from the whole network), and which remembers its
 * container id as soon as it exists, so a container that never became ready can still be read and
 * removed.
 */
class BoxGenericContainer extends GenericContainer {
  createdId: string | undefined;

  protected override async beforeContainerCreated(): Promise<void> {
    for (const bindings of Object.values(this.hostConfig.PortBindings ?? {})) {
      for (const binding of bindings as Array<{ HostIp?: string; HostPort?: string }>)
        binding.HostIp = "127.0.0.1";
    }
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.createdId = containerId;
  }
}

export interface BoxContainerSpec {
  /** Role label value (`fake`, `toxiproxy`, `backend`, `edge`) and what messages call it. */
  box: string;
  name: string;
  alias: string;
  image: string;
  ports: number[];
  env?: Record<string, string>;
  entrypoint?: string[];
  command?: string[];
  workdir?: string;
  files?: Array<{ content: string; target: string }>;
  wait: WaitStrategy;
  startupTimeoutMs: number;
  labels: Record<string, string>;
  network: StartedNetwork;
  /** Maps a raw container line to the box's log source (`stdout`, `error.log`, ...). */
  classify?: (line: RawLogLine) => string;
}

export interface ContainerBox extends StartedBox {
  container: StartedTestContainer;
  /** Host-side address of a container port (127.0.0.1 and the mapped port). */
  external(port: number): Address;
}

export async function startBoxContainer(
  client: ContainerRuntimeClient,
  spec: BoxContainerSpec,
  internalPort: number | undefined,
): Promise<ContainerBox> {
  const builder = new BoxGenericContainer(spec.image)
    .withNetwork(spec.network)
    .withNetworkAliases(spec.alias)
    .withLabels(spec.labels)
    .withExtraHosts([{ host: HOST_GATEWAY_NAME, ipAddress: "host-gateway" }])
    .withExposedPorts(...spec.ports)
    .withStartupTimeout(spec.startupTimeoutMs)
    .withWaitStrategy(spec.wait);
  if (spec.env) builder.withEnvironment(spec.env);
  if (spec.entrypoint) builder.withEntrypoint(spec.entrypoint);
  if (spec.command) builder.withCommand(spec.command);
  if (spec.workdir) builder.withWorkingDir(spec.workdir);
  if (spec.files?.length) builder.withCopyContentToContainer(spec.files);

  // testcontainers removes a container that fails its wait strategy before it throws, so what the box
  // said while starting is kept here to explain the failure.
  let early = "";
  builder.withLogConsumer((stream) => {
    stream.on("data", (chunk: Buffer | string) => {
      early = (early + chunk.toString()).slice(-16_384);
    });
    stream.on("error", () => {});
  });

  let container: StartedTestContainer;
  try {
    container = await builder.start();
  } catch (error) {
    throw await startFailure(client, spec, builder.createdId, error, early);
  }
  const dockerode = client.container.getById(container.getId());
  const logs = await ContainerLogs.follow(dockerode);
  const external = (port: number): Address => ({ host: "127.0.0.1", port: container.getMappedPort(port) });
  const address: BoxAddress = {
    internal: { host: spec.alias, port: internalPort ?? spec.ports[0] ?? 0 },
    external:
      internalPort === undefined && spec.ports[0] === undefined
        ? { host: "127.0.0.1", port: 0 }
        : external(internalPort ?? spec.ports[0]!),
  };
  const classify = spec.classify ?? ((line: RawLogLine) => line.stream);
  let disposed = false;
  const box: ContainerBox = {
    name: spec.name,
    address,
    container,
    external,
    logs: (): LogLine[] => logs.log.logs().map((l) => ({ t: l.t, line: l.line, source: classify(l) })),
    alive: async () => {
      try {
        return (await dockerode.inspect()).State.Running;
      } catch {
        return false;
      }
    },
    exitInfo: async () => {
      try {
        const state = (await dockerode.inspect()).State;
        if (state.Running) return undefined;
        // Docker reports a kill as exit code 128 + the signal's number, not as a signal.
        return {
          code: state.ExitCode,
          signal: state.OOMKilled ? "OOM" : null,
          t: Date.parse(state.FinishedAt),
        };
      } catch {
        return undefined;
      }
    },
    async [Symbol.asyncDispose]() {
      if (disposed) return;
      disposed = true;
      untrack();
      // No grace period: boxes hold no state worth a clean shutdown, and a lane's teardown must stay
      // well under a second. What they logged was followed live.
      // One forced remove (SIGKILL + remove) instead of testcontainers' stop-then-remove: half the calls.
      try {
        await dockerode.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
          if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
        });
      } finally {
        await logs[Symbol.asyncDispose]();
      }
    },
  };
  const untrack = trackLive(box);
  return box;
}

async function startFailure(
  client: ContainerRuntimeClient,
  spec: BoxContainerSpec,
  id: string | undefined,
  cause: unknown,
  early: string,
): Promise<Error> {
  let tail = early
    .split("\n")
    .filter((l) => l.trim())
    .slice(-20);
  if (id) {
    const container = client.container.getById(id);
    // Still there when the failure came before the wait (create or start threw).
    if (tail.length === 0) tail = await logTail(container, 20);
    await container.remove({ force: true }).catch(() => {});
  }
  const why = cause instanceof Error ? cause.message : String(cause);
  return new UserError("DOCKER_BOX_NOT_READY", {
    what: `The ${spec.name} container (${spec.image}) did not become ready`,
    why,
    fix:
      tail.length > 0
        ? "Its last output is below; check the box's command, environment and config."
        : "Check that the engine runs (docker/ensure-engine.sh) and the image is built (docker/build-images.ts).",
    details: tail,
    cause,
  });
}

async function logTail(container: Dockerode.Container, lines: number): Promise<string[]> {
  try {
    const buffer = (await container.logs({
      stdout: true,
      stderr: true,
      follow: false,
      tail: lines,
    })) as Buffer;
    return demuxBuffer(buffer);
  } catch {
    return [];
  }
}

/**
 * Docker's multiplexed log format (no TTY): each frame is an 8-byte header (stream 1 = stdout,
 * 2 = stderr, three zero bytes, payload size big-endian) then the payload.
 */
export function demuxStreams(buffer: Buffer): { stdout: string; stderr: string } {
  // Not multiplexed (a TTY container): all of it is stdout.
  if (!isMultiplexed(buffer)) return { stdout: buffer.toString("utf8"), stderr: "" };
  const parts: Record<"stdout" | "stderr", Buffer[]> = { stdout: [], stderr: [] };
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    const payload = buffer.subarray(offset + 8, offset + 8 + size);
    (kind === 2 ? parts.stderr : parts.stdout).push(payload);
    offset += 8 + size;
  }
  return {
    stdout: Buffer.concat(parts.stdout).toString("utf8"),
    stderr: Buffer.concat(parts.stderr).toString("utf8"),
  };
}

/** Every line of a multiplexed log buffer, stdout and stderr interleaved as they were framed. */
export function demuxBuffer(buffer: Buffer): string[] {
  const out: string[] = [];
  let text = "";
  if (!isMultiplexed(buffer)) text = buffer.toString("utf8");
  else {
    for (let offset = 0; offset + 8 <= buffer.length; ) {
      const size = buffer.readUInt32BE(offset + 4);
      text += buffer.subarray(offset + 8, offset + 8 + size).toString("utf8");
      offset += 8 + size;
    }
  }
  for (const line of text.split("\n")) if (line.trim()) out.push(line.replace(/\r$/, ""));
  return out;
}

/** A multiplexed stream starts with a frame header: stream 0-2, then three zero bytes. */
function isMultiplexed(buffer: Buffer): boolean {
  return buffer.length >= 8 && buffer[0]! <= 2 && buffer[1] === 0 && buffer[2] === 0 && buffer[3] === 0;
}
