import type { EdgeProfile } from "../../edge.ts";
import { nginxDefault } from "./default.ts";
import { nginxHttp11Buffered } from "./http11-buffered.ts";
import { nginxShortTimeouts } from "./short-timeouts.ts";
import { nginxSseTuned } from "./sse-tuned.ts";

export const nginxProfiles: Record<string, EdgeProfile> = {
  [nginxDefault.name]: nginxDefault,
  [nginxSseTuned.name]: nginxSseTuned,
  [nginxShortTimeouts.name]: nginxShortTimeouts,
  [nginxHttp11Buffered.name]: nginxHttp11Buffered,
};
