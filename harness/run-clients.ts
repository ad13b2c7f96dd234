import { assertUserConfigServesTls } from "../proxies/edge.ts";
import { getEdge } from "../proxies/edges.ts";
import { createRunCa, type RunCa } from "../runtime/tls/run-ca.ts";
import type { ResolvedConfig } from "./config.ts";
import type { LaneClientKit } from "./lane/lane-options.ts";
import { launchBrowserClient, type StartedBrowser } from "./probe/browser/chromium.ts";
import { CLIENTS, clientsNeedTls, clientsUnsupportedOnDocker, DEFAULT_CLIENTS } from "./probe/clients.ts";
import type { ProbeClientName } from "./probe/observation.ts";

/** What the run's clients need, made once per run before any lane starts, and disposed after the last. */
export interface RunClients extends AsyncDisposable {
  clients: ProbeClientName[];
  /** Why a client cannot run on this machine (the browser without Chromium): its results are skipped with it. */
  skip: Partial<Record<ProbeClientName, string>>;
  /** The run CA's certificate for the edges and the probe, and the run's Chromium (h2 and browser). */
  kit?: LaneClientKit;
}

/**
 * Checks the run's clients against the runtime and the user's edge configs (a bad combination is a
 * UserError, exit 2, before anything starts), then makes the run's CA and starts its one Chromium.
 * Chromium missing: exit 2 when the command line asked for the browser (`clientsRequired`), the
 * browser's results skipped with the install command when only the config lists it.
 */
export async function prepareClients(
  config: ResolvedConfig,
  runtime: "local" | "docker",
): Promise<RunClients> {
  const clients = config.clients ?? [...DEFAULT_CLIENTS];
  const none: RunClients = { clients, skip: {}, [Symbol.asyncDispose]: async () => {} };
  if (!clientsNeedTls(clients)) return none;
  if (runtime === "docker") throw clientsUnsupportedOnDocker(clients);
  for (const edge of config.edges) {
    if (edge.config) await assertUserConfigServesTls(getEdge(edge.edge), edge.config);
  }
  const ca: RunCa = await createRunCa();
  let browser: StartedBrowser | undefined;
  const skip: RunClients["skip"] = {};
  try {
    if (clients.includes("browser")) {
      const launch = await launchBrowserClient({
        trustSpki: [ca.leafSpkiSha256],
        ...(config.clientsRequired ? { required: true } : {}),
      });
      if (launch.ok) browser = launch.browser;
      else skip.browser = `${launch.skip.reason}; install with: ${launch.skip.install}`;
    }
  } catch (error) {
    await Promise.resolve(ca[Symbol.asyncDispose]()).catch(() => {});
    throw error;
  }
  return {
    clients,
    skip,
    kit: {
      tls: { certPath: ca.certPath, keyPath: ca.keyPath },
      caCertPem: ca.caCertPem,
      ...(browser ? { browser } : {}),
    },
    async [Symbol.asyncDispose]() {
      try {
        await browser?.[Symbol.asyncDispose]();
      } finally {
        await ca[Symbol.asyncDispose]();
      }
    },
  };
}

/** Why `client` cannot run through this edge and profile at all (direct has no TLS listener), if so. */
export function clientNotApplicable(
  client: ProbeClientName,
  edgeName: string,
  profile: string | undefined,
  userConfig: string | undefined,
): string | undefined {
  if (!CLIENTS[client].needsTls || userConfig) return undefined;
  const edge = getEdge(edgeName);
  const name = profile ?? edge.defaultProfile;
  if (edge.profiles[name]?.tlsTemplate !== undefined) return undefined;
  return edgeName === "direct"
    ? `the ${client} client reaches an edge over TLS with HTTP/2, and direct is the backend itself (cleartext HTTP/1.1): run ${client} through nginx or caddy`
    : `the ${edgeName} profile "${name}" has no TLS + HTTP/2 variant for the ${client} client`;
}
