import type { EdgeProfile } from "../../edge.ts";
import { caddyDefault } from "./default.ts";
import { caddyShortTimeouts } from "./short-timeouts.ts";
import { caddySseTuned } from "./sse-tuned.ts";

export const caddyProfiles: Record<string, EdgeProfile> = {
  [caddyDefault.name]: caddyDefault,
  [caddySseTuned.name]: caddySseTuned,
  [caddyShortTimeouts.name]: caddyShortTimeouts,
};
