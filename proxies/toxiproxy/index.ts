export { TOXIPROXY_VERSION } from "./api/routes.ts";
export {
  type HopAddress,
  type HopToxic,
  type ResolvedToxiproxy,
  resolveToxiproxy,
  ToxiproxyHops,
  type ToxiproxyHopsOptions,
  toxiproxyRecordsTaps,
} from "./hops.ts";
export { isHotLoopWindow } from "./hot-loop.ts";
export { type StartedToxiproxyServer, startToxiproxyServer, type ToxiproxyServerOptions } from "./server.ts";
export {
  type TapBytesJson,
  type TapConnectionJson,
  type TapDirectionJson,
  tapFromJson,
  tapToJson,
} from "./taps/tap-json.ts";
export type {
  TapBytes,
  TapConnection,
  TapDirection,
  TapEndKind,
  TapOptions,
  TapSegment,
  TapSide,
  TapSideEnd,
} from "./taps/tap-types.ts";
export { toxicTypeNames } from "./toxics/index.ts";
