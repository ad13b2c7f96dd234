/**
 * How a lane's boxes are started. `local` runs processes on loopback; `docker` runs containers on a
 * network of their own. The lane only ever talks to this interface, so scenarios and checks do not
 * know which runtime they run on, and verdicts must be equal on both.
 */

import type { EdgeTlsOptions } from "../../proxies/edge.ts";
import type { Address, BoxAddress, StartedBox } from "../../runtime/box.ts";

export type { Address, BoxAddress, LogLine, StartedBox } from "../../runtime/box.ts";

export interface FakeBox extends StartedBox {
  /** Admin URL reachable from the harness (host side). */
  adminUrl: string;
}

export interface ToxiproxyBox extends StartedBox {
  /** Toxiproxy HTTP API reachable from the harness. */
  apiUrl: string;
  /**
   * Listen addresses for the hop proxies the lane will create: `listen` is what to put in the proxy's
   * `listen` field (inside the toxiproxy box), `address` is how others reach it.
   */
  hopSlots: Array<{ listen: string; address: BoxAddress }>;
  /**
   * Set when only the server's own taps can record the hops: a recording relay runs in the
   * harness's process, on loopback, which containers cannot reach. Unset, a Toxiproxy that records
   * nothing gets relays beside it.
   */
  tapsOnlyInServer?: true;
}

export interface BackendSpec {
  name: string;
  /** A command run by the runtime (local: a process; docker: inside `image`, or on the host via host-gateway). */
  command?: { command: string; args: string[]; cwd?: string };
  /** Docker image to run (docker runtime). */
  image?: string;
  /** A backend already running at this URL: nothing is started, its logs are not captured. */
  url?: string;
  /** Environment; values already templated by the lane. `{{port}}` is the port the backend must listen on. */
  env: Record<string, string>;
  /** Health path polled until 2xx. */
  healthPath: string;
  readyTimeoutMs: number;
  /** Port to listen on inside its box (docker) — local picks a free one. */
  port?: number;
}

export interface EdgeSpec {
  edge: string;
  profile?: string;
  configFile?: string;
  upstream: Address;
  /** Also serve TLS + HTTP/2 with the run's certificate, for the h2 and browser clients. */
  tls?: EdgeTlsOptions;
}

/** A started edge; `tls` is its TLS + HTTP/2 listener when it was started with one. */
export interface EdgeBox extends StartedBox {
  tls?: BoxAddress;
}

export interface Runtime extends AsyncDisposable {
  readonly name: "local" | "docker";
  /**
   * A view of this runtime for one lane (docker: the lane's own network, where boxes have plain
   * aliases like `fake:8080`). Disposed with the lane. Runtimes without per-lane state omit it.
   */
  forLane?(index: number): Runtime;
  startFake(): Promise<FakeBox>;
  startToxiproxy(slots: number): Promise<ToxiproxyBox>;
  /**
   * Starts the backend; `env` values may contain `{{port}}`, which the runtime fills with the port the
   * backend listens on. `templateVars` gives it the addresses it must reach (already internal).
   */
  startBackend(spec: BackendSpec): Promise<StartedBox>;
  /** A runtime that cannot serve TLS throws a UserError for `spec.tls`. */
  startEdge(spec: EdgeSpec): Promise<EdgeBox>;
}
