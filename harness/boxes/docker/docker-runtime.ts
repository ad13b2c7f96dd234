import { trackLive } from "../../../lib/lifecycle.ts";
import { DockerSession, type DockerSessionOptions } from "../../../runtime/docker/session.ts";
import type { BackendSpec, EdgeSpec, FakeBox, Runtime, StartedBox, ToxiproxyBox } from "../runtime.ts";
import { DockerLaneRuntime } from "./lane-runtime.ts";

export interface DockerRuntimeOptions extends DockerSessionOptions {
  /** Readiness deadline for fake, toxiproxy and edge containers (default 30 s). */
  readyTimeoutMs?: number;
}

/**
 * The docker runtime (Testcontainers). `forLane(i)` gives a lane its own network where its boxes
 * are `fake`, `toxiproxy`, `backend` and `edge`. Used directly (the Runtime methods on this object),
 * boxes of every lane share one session network under numbered aliases (`fake-1`, `fake-2`): the
 * Runtime interface does not say which lane a box belongs to, and lanes start concurrently.
 *
 * Dispose removes every container and network of the session by label, including any a crashed
 * start left without a handle.
 */
export class DockerRuntime implements Runtime {
  readonly name = "docker" as const;
  readonly session: DockerSession;
  readonly #options: DockerRuntimeOptions;
  readonly #lanes = new Set<DockerLaneRuntime>();
  #shared: DockerLaneRuntime | undefined;
  #disposed = false;
  #untrack: () => void;

  private constructor(session: DockerSession, options: DockerRuntimeOptions) {
    this.session = session;
    this.#options = options;
    this.#untrack = trackLive(this);
  }

  static async create(options: DockerRuntimeOptions = {}): Promise<DockerRuntime> {
    return new DockerRuntime(await DockerSession.open(options), options);
  }

  /** A runtime for one lane: its own network, plain aliases. Disposed with this runtime at the latest. */
  forLane(index: number): DockerLaneRuntime {
    const lane = new DockerLaneRuntime(this.session, {
      label: `lane${index}-${this.#lanes.size + 1}`,
      ...(this.#options.readyTimeoutMs ? { readyTimeoutMs: this.#options.readyTimeoutMs } : {}),
    });
    this.#lanes.add(lane);
    return lane;
  }

  #sharedLane(): DockerLaneRuntime {
    this.#shared ??= new DockerLaneRuntime(this.session, {
      label: "shared",
      uniqueAliases: true,
      ...(this.#options.readyTimeoutMs ? { readyTimeoutMs: this.#options.readyTimeoutMs } : {}),
    });
    return this.#shared;
  }

  startFake(): Promise<FakeBox> {
    return this.#sharedLane().startFake();
  }

  startToxiproxy(slots: number): Promise<ToxiproxyBox> {
    return this.#sharedLane().startToxiproxy(slots);
  }

  startBackend(spec: BackendSpec): Promise<StartedBox> {
    return this.#sharedLane().startBackend(spec);
  }

  startEdge(spec: EdgeSpec): Promise<StartedBox> {
    return this.#sharedLane().startEdge(spec);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#untrack();
    const lanes = [...this.#lanes, ...(this.#shared ? [this.#shared] : [])];
    await Promise.allSettled(lanes.map((lane) => lane[Symbol.asyncDispose]()));
    // Whatever is left with our session label (a container whose start threw, a one-shot cut short).
    await this.session.removeAll();
  }
}

export function createDockerRuntime(options: DockerRuntimeOptions = {}): Promise<DockerRuntime> {
  return DockerRuntime.create(options);
}
