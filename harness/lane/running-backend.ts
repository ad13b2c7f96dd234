import type { BackendSpec, BoxAddress, LogLine, Runtime, StartedBox } from "../boxes/runtime.ts";
import type { LaneBackend } from "./lane-options.ts";
import { withProviderUrls } from "./provider-urls.ts";

/**
 * The backend under test for as long as the lane lives: its provider URLs point at hop C, and when a
 * scenario kills it, it starts again on the same port, the one hop B forwards to.
 */
export class RunningBackend implements AsyncDisposable {
  #runtime: Runtime;
  #spec: BackendSpec;
  #box: StartedBox;

  private constructor(runtime: Runtime, spec: BackendSpec, box: StartedBox) {
    this.#runtime = runtime;
    this.#spec = spec;
    this.#box = box;
  }

  static async start(
    runtime: Runtime,
    backend: LaneBackend,
    providerOrigin: string,
  ): Promise<RunningBackend> {
    const spec = withProviderUrls(backend.spec, backend.provider, providerOrigin);
    return new RunningBackend(runtime, spec, await runtime.startBackend(spec));
  }

  get address(): BoxAddress {
    return this.#box.address;
  }

  alive(): Promise<boolean> {
    return this.#box.alive();
  }

  logs(): LogLine[] {
    return this.#box.logs();
  }

  /** False when the backend runs outside streamchaos (a URL) and its output is not captured. */
  get logsCaptured(): boolean {
    return this.#box.logsCaptured !== false;
  }

  async restart(): Promise<void> {
    const port = this.#box.address.internal.port;
    await Promise.resolve(this.#box[Symbol.asyncDispose]()).catch(() => {});
    this.#box = await this.#runtime.startBackend({ ...this.#spec, port });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#box[Symbol.asyncDispose]();
  }
}
