export { TOXIPROXY_VERSION } from "./api/routes.ts";
export {
  type HopAddress,
  type HopToxic,
  type ResolvedToxiproxy,
  resolveToxiproxy,
  ToxiproxyHops,
} from "./hops.ts";
export { isHotLoopWindow } from "./hot-loop.ts";
export { type StartedToxiproxyServer, startToxiproxyServer, type ToxiproxyServerOptions } from "./server.ts";
export { toxicTypeNames } from "./toxics/index.ts";
