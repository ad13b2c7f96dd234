import type { ProviderName } from "../../fakes/journal-types.ts";
import type { EdgeTlsOptions } from "../../proxies/edge.ts";
import type { BackendSpec, Runtime } from "../boxes/runtime.ts";
import type { Contract } from "../contracts/contract.ts";
import type { ClientKit } from "../probe/clients.ts";
import type { ProbeClientName } from "../probe/observation.ts";

export interface LaneBackend {
  name: string;
  /** For a backend already running: the port its provider base URL points at (hop C listens there). */
  providerPort?: number;
  provider: ProviderName;
  contract: Contract;
  spec: BackendSpec;
  keepaliveMs?: number;
  upstreamTimeoutMs?: number;
  /** The services it calls, in start order (harness/lane/services.ts). */
  services?: LaneService[];
  /** What the hops call its process (harness/services-config.ts backendLabel); default "backend". */
  label?: string;
}

export interface LaneEdge {
  edge: string;
  profile?: string;
  configFile?: string;
}

export interface LaneOptions {
  index: number;
  runtime: Runtime;
  backend: LaneBackend;
  edge: LaneEdge;
  /** Who makes the requests (default h1). h2 and browser reach the edge's TLS listener through hop A. */
  client?: ProbeClientName;
  /** For h2 and browser: the run's certificate for the edge, the CA the probe trusts, the run's Chromium. */
  clientKit?: LaneClientKit;
}

export interface LaneClientKit extends ClientKit {
  tls: EdgeTlsOptions;
}

/** One of a backend's services as the lane starts it (harness/services-config.ts checked it). */
export interface LaneService {
  name: string;
  spec: BackendSpec;
  /** The services it names, all started before it. */
  dependsOn: string[];
}
