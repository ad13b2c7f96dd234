import { didYouMean } from "../../lib/did-you-mean.ts";
import { UserError } from "../../lib/errors.ts";
import type { BrowserRequestOptions } from "./browser/browser-request-options.ts";
import type { StartedBrowser } from "./browser/chromium.ts";
import type { ProbeClientName, ProbeObservation } from "./observation.ts";
import type { ProbeOptions } from "./options.ts";
import { runH2Probe } from "./run-h2-probe.ts";
import { runProbe } from "./run-probe.ts";

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
      fix: `${suggestions(unknown)}Use h1, h2 or browser in --client or the config's \`clients\`.`,
    });
  }
  return [...new Set(names as ProbeClientName[])];
}

/** Whether the edges must serve TLS (and the run make its CA) for these clients. */
export function clientsNeedTls(clients: readonly ProbeClientName[]): boolean {
  return clients.some((c) => CLIENTS[c].needsTls);
}

function suggestions(unknown: readonly string[]): string {
  const meant = unknown.flatMap((name) => {
    const guess = didYouMean(name, Object.keys(CLIENTS));
    return guess ? [`"${name}": did you mean ${guess}?`] : [];
  });
  return meant.length ? `${meant.join(" ")} ` : "";
}

/** The docker runtime's edges have no TLS listener (yet): the h2 and browser clients run locally only. */
export function clientsUnsupportedOnDocker(
  clients: readonly ProbeClientName[] = ["h2", "browser"],
): UserError {
  const tls = clients.filter((c) => CLIENTS[c].needsTls);
  return new UserError("CLIENT_RUNTIME_UNSUPPORTED", {
    what: `The ${tls.join(" and ")} client${tls.length > 1 ? "s" : ""} cannot run on the docker runtime`,
    why: "the docker edges serve cleartext HTTP/1.1 only: they have no TLS + HTTP/2 listener for these clients",
    fix: "Run them with --runtime local, or use --client h1 on docker.",
  });
}

/** What the TLS clients need from the run: the CA the h2 probe trusts, the one Chromium of the run. */
export interface ClientKit {
  /** The run CA's certificate, PEM (runtime/tls/run-ca.ts). */
  caCertPem?: string;
  browser?: StartedBrowser;
}

/** What only the browser client takes: EventSource instead of fetch(), or why not. */
export type BrowserApiOptions = Pick<
  BrowserRequestOptions,
  "api" | "eventSource" | "eventSourceNotApplicable"
>;

/**
 * One request with the given client. `options.url` is `http://` for h1 and the edge's `https://`
 * origin for h2 and the browser. The browser has no fetch replay; both TLS clients skip the undici
 * replay (`fetchView` "not-run"). `browser` is read by the browser client only.
 */
export function probeWith(
  client: ProbeClientName,
  kit: ClientKit,
  options: ProbeOptions,
  browser: BrowserApiOptions = {},
): Promise<ProbeObservation> {
  if (client === "h1") return runProbe(options);
  if (client === "h2") {
    return runH2Probe({ ...options, ...(kit.caCertPem ? { ca: kit.caCertPem } : {}) });
  }
  if (!kit.browser) {
    throw new UserError("BROWSER_NOT_STARTED", {
      what: "The browser client was asked for a request, but no Chromium was started for the run",
      why: "the runner starts one Chromium per run when its clients include browser",
      fix: "Add browser to --client or the config's `clients`.",
    });
  }
  const { fetchView: _fetchView, lingerMs: _lingerMs, ...rest } = options;
  return kit.browser.request({ ...rest, ...browser });
}
