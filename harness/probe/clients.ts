import { UserError } from "../../lib/errors.ts";
import type { ProbeClientName } from "./observation.ts";

/**
 * The clients a run can observe a backend with (`--client`, config `clients`): a matrix dimension
 * like edges. Each one returns a ProbeObservation; this says what each needs from the lane.
 */
export interface ClientInfo {
  name: ProbeClientName;
  description: string;
  /** Reaches the edge over TLS with HTTP/2: the edge needs its TLS listener, the run its CA. */
  needsTls: boolean;
}

export const CLIENTS: Record<ProbeClientName, ClientInfo> = {
  h1: { name: "h1", description: "raw HTTP/1.1 probe on the cleartext listener (runProbe)", needsTls: false },
  h2: { name: "h2", description: "HTTP/2 frame-level probe over TLS (runH2Probe)", needsTls: true },
  browser: {
    name: "browser",
    description: "headless Chromium running fetch() or EventSource in a page (launchBrowserClient)",
    needsTls: true,
  },
};

export const DEFAULT_CLIENTS: ProbeClientName[] = ["h1"];

/**
 * `--client h1,h2` or a config's `clients: ["h1", "browser"]` as client names, in order, without
 * repeats. Nothing given means h1. An unknown name is a UserError (exit 2) naming the known ones.
 */
export function resolveClients(input: string | readonly string[] | undefined): ProbeClientName[] {
  if (input === undefined) return [...DEFAULT_CLIENTS];
  const names = (typeof input === "string" ? input.split(",") : input).map((n) => n.trim()).filter(Boolean);
  if (names.length === 0) {
    throw new UserError("CLIENT_NONE", {
      what: "No client given",
      why: `the clients are ${Object.keys(CLIENTS).join(", ")}`,
      fix: "Name at least one, e.g. --client h1,h2, or leave the option out for h1.",
    });
  }
  const unknown = names.filter((n) => !Object.hasOwn(CLIENTS, n));
  if (unknown.length > 0) {
    throw new UserError("CLIENT_UNKNOWN", {
      what: `Unknown client ${unknown.map((n) => JSON.stringify(n)).join(", ")}`,
      why: `the clients are ${Object.values(CLIENTS)
        .map((c) => `${c.name} (${c.description})`)
        .join(", ")}`,
      fix: "Use h1, h2 or browser in --client or the config's `clients`.",
    });
  }
  return [...new Set(names as ProbeClientName[])];
}

/** Whether the edges must serve TLS (and the run make its CA) for these clients. */
export function clientsNeedTls(clients: readonly ProbeClientName[]): boolean {
  return clients.some((c) => CLIENTS[c].needsTls);
}
