import { Toxiproxy, ToxiproxyError } from "toxiproxy-node-client";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import { checkPortFree, LOOPBACK } from "../../lib/net.ts";
import { type StartedToxiproxyServer, startToxiproxyServer } from "./server.ts";

/** A toxic as scenarios write it; the driver fills in what the client library insists on. */
export interface HopToxic {
  type: "latency" | "bandwidth" | "slow_close" | "timeout" | "reset_peer" | "slicer" | "limit_data" | "noop";
  /** Default `downstream` (server to client). */
  stream?: "upstream" | "downstream";
  /** Default `<type>_<stream>`. */
  name?: string;
  /** Probability per connection, default 1. */
  toxicity?: number;
  attributes?: Record<string, number>;
}

export interface HopAddress {
  name: string;
  /** Where clients connect, e.g. `127.0.0.1:41234`. */
  listen: string;
  host: string;
  port: number;
  upstream: string;
}

const NAME = /^[A-Za-z0-9_.-]+$/;
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * The harness's handle on Toxiproxy: one proxy per hop, through toxiproxy-node-client so a real
 * Toxiproxy (TOXIPROXY_URL) and the embedded server are interchangeable. It only ever touches the
 * proxies it created, so lanes can share one server; disposing removes them.
 */
export class ToxiproxyHops implements AsyncDisposable {
  readonly url: string;
  readonly client: Toxiproxy;
  readonly #hops = new Map<string, HopAddress>();
  #untrack: () => void;

  constructor(url: string) {
    this.url = url.replace(/\/+$/, "");
    this.client = new Toxiproxy(this.url);
    this.#untrack = trackLive(this);
  }

  get hops(): ReadonlyMap<string, HopAddress> {
    return this.#hops;
  }

  /** Creates (or replaces a stale proxy of the same name) and reports where clients connect. */
  async createHop(options: { name: string; upstream: string; listen?: string }): Promise<HopAddress> {
    checkName(options.name);
    const body = {
      name: options.name,
      upstream: options.upstream,
      listen: options.listen ?? `${LOOPBACK}:0`,
    };
    // populate replaces a leftover proxy of the same name (a crashed earlier run) instead of failing 409.
    const created = await this.#call(`create hop "${options.name}" to ${options.upstream}`, () =>
      this.client.populate([{ ...body, enabled: true }]),
    ).catch(async (error) => {
      throw (await this.#fixedPortTaken(body.listen, options.name)) ?? error;
    });
    const proxy = created[options.name];
    if (!proxy) {
      throw new StreamchaosError("TOXIPROXY_HOP_MISSING", {
        what: `Toxiproxy at ${this.url} did not report hop "${options.name}" after creating it`,
      });
    }
    const hop = toHop(proxy.name, proxy.listen, proxy.upstream);
    this.#hops.set(hop.name, hop);
    return hop;
  }

  /** Replaces every toxic on the hop with `toxics`, applied in order (the chain order). */
  async setToxics(hop: string, toxics: readonly HopToxic[]): Promise<void> {
    await this.clearHop(hop);
    const proxy = await this.#call(`look up hop "${hop}"`, () => this.client.get(hop));
    for (const toxic of toxics) {
      const stream = toxic.stream ?? "downstream";
      const body = {
        name: toxic.name ?? `${toxic.type}_${stream}`,
        type: toxic.type,
        stream,
        toxicity: toxic.toxicity ?? 1,
        attributes: toxic.attributes ?? {},
      };
      // The client's typings want a known attribute shape per type; the server checks the values.
      await this.#call(`add ${body.type} toxic "${body.name}" to hop "${hop}"`, () =>
        proxy.addToxic(body as Parameters<typeof proxy.addToxic>[0]),
      );
    }
  }

  /** Turns a hop off (connections closed, new ones refused) or back on. */
  async setEnabled(hop: string, enabled: boolean): Promise<void> {
    const proxy = await this.#call(`look up hop "${hop}"`, () => this.client.get(hop));
    await this.#call(`${enabled ? "enable" : "disable"} hop "${hop}"`, () =>
      proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream }),
    );
  }

  /** Removes the hop's toxics and re-enables it (POST /reset, but for this hop only). */
  async clearHop(hop: string): Promise<void> {
    const api = this.client.getApi();
    const path = `${this.url}/proxies/${hop}`;
    const { data } = await this.#call(`list toxics of hop "${hop}"`, () => api.get(`${path}/toxics`));
    for (const toxic of (data ?? []) as Array<{ name: string }>) {
      await this.#call(`remove toxic "${toxic.name}" from hop "${hop}"`, () =>
        api.delete(`${path}/toxics/${toxic.name}`),
      );
    }
    const proxy = await this.#call(`look up hop "${hop}"`, () => this.client.get(hop));
    if (!proxy.enabled) {
      await this.#call(`re-enable hop "${hop}"`, () =>
        proxy.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream }),
      );
    }
  }

  /** Clears every hop this driver created; other proxies on the server are left alone. */
  async clearAll(): Promise<void> {
    for (const name of this.#hops.keys()) await this.clearHop(name);
  }

  async removeHop(hop: string): Promise<void> {
    const proxy = await this.#call(`look up hop "${hop}"`, () => this.client.get(hop));
    await this.#call(`remove hop "${hop}"`, () => proxy.remove());
    this.#hops.delete(hop);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#untrack();
    const names = [...this.#hops.keys()];
    this.#hops.clear();
    const api = this.client.getApi();
    await Promise.allSettled(names.map((name) => api.delete(`${this.url}/proxies/${name}`)));
  }

  /**
   * Why a hop on a fixed port could not be created, when the reason is a port taken on this machine:
   * the client drops the server's "bind: address already in use", so ask the port itself. Only for a
   * Toxiproxy on loopback: a remote one listens on its own machine's ports.
   */
  async #fixedPortTaken(listen: string, name: string): Promise<UserError | undefined> {
    const colon = listen.lastIndexOf(":");
    const port = Number(listen.slice(colon + 1));
    const host = listen.slice(0, colon).replace(/^\[|\]$/g, "") || LOOPBACK;
    if (!port || !LOOPBACK_HOSTS.has(new URL(this.url).hostname)) return undefined;
    const taken = await checkPortFree({
      subject: `Toxiproxy cannot listen for hop "${name}"`,
      host,
      port,
    }).then(
      () => undefined,
      (error: unknown) => error,
    );
    return taken instanceof UserError && taken.code === "PORT_IN_USE" ? taken : undefined;
  }

  async #call<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      // toxiproxy-node-client drops the server's error body; keep at least what we tried and the status.
      const message = error instanceof Error ? error.message : String(error);
      const unreachable = error instanceof ToxiproxyError && error.name === "TypeError";
      throw new StreamchaosError(unreachable ? "TOXIPROXY_UNREACHABLE" : "TOXIPROXY_REQUEST_FAILED", {
        what: `Toxiproxy could not ${action}`,
        why: `${this.url}: ${message}`,
        fix: unreachable
          ? "Check that the Toxiproxy server is running and TOXIPROXY_URL points at it."
          : undefined,
        cause: error,
      });
    }
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new UserError("TOXIPROXY_BAD_HOP_NAME", {
      what: `Invalid Toxiproxy hop name "${name}"`,
      why: "toxiproxy-node-client puts names into URLs without encoding them",
      fix: "Use letters, digits, '_', '.' and '-' only.",
    });
  }
}

function toHop(name: string, listen: string, upstream: string): HopAddress {
  const colon = listen.lastIndexOf(":");
  let host = listen.slice(0, colon).replace(/^\[|\]$/g, "");
  // A wildcard listen is reachable on loopback; that is where the harness connects.
  if (host === "" || host === "::" || host === "0.0.0.0") host = LOOPBACK;
  return { name, listen, host, port: Number(listen.slice(colon + 1)), upstream };
}

export interface ResolvedToxiproxy extends AsyncDisposable {
  readonly url: string;
  /** `external` = TOXIPROXY_URL answered; `embedded` = started in this process. */
  readonly source: "external" | "embedded";
  /** Set when TOXIPROXY_URL was given but did not answer, and the embedded server was used instead. */
  readonly warning?: string;
}

/** TOXIPROXY_URL when set and answering GET /version, otherwise an embedded server on 127.0.0.1:0. */
export async function resolveToxiproxy(
  env: Record<string, string | undefined> = process.env,
  timeoutMs = 1500,
): Promise<ResolvedToxiproxy> {
  const configured = env.TOXIPROXY_URL?.trim();
  let warning: string | undefined;
  if (configured) {
    const url = configured.replace(/\/+$/, "");
    try {
      const response = await fetch(`${url}/version`, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (response.ok && text.includes('"version"')) {
        return { url, source: "external", async [Symbol.asyncDispose]() {} };
      }
      warning = `TOXIPROXY_URL=${configured} answered GET /version with ${response.status}, not Toxiproxy`;
    } catch (error) {
      warning = `TOXIPROXY_URL=${configured} did not answer GET /version within ${timeoutMs}ms (${
        error instanceof Error ? error.message : String(error)
      })`;
    }
  }
  const server: StartedToxiproxyServer = await startToxiproxyServer({ host: LOOPBACK, port: 0 });
  return {
    url: server.url,
    source: "embedded",
    ...(warning ? { warning: `${warning}; using the embedded server` } : {}),
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}
