import type { ProviderName } from "../../fakes/journal-types.ts";
import type { BackendSpec, Runtime } from "../boxes/runtime.ts";
import type { Contract } from "../contracts/contract.ts";
import type { LaneService } from "./services.ts";

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
}
