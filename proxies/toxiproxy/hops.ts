import { Toxiproxy, ToxiproxyError } from "toxiproxy-node-client";
import { StreamchaosError, UserError } from "../../lib/errors.ts";
import { trackLive } from "../../lib/lifecycle.ts";
import { checkPortFree, LOOPBACK } from "../../lib/net.ts";
import { type StartedToxiproxyServer, startToxiproxyServer } from "./server.ts";
import { type TapConnectionJson, tapFromJson } from "./taps/tap-json.ts";
import { startTapRelay, type TapRelay } from "./taps/tap-relay.ts";
import type { TapConnection, TapOptions } from "./taps/tap-types.ts";

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

export interface ToxiproxyHopsOptions {
  /**
   * Record every hop's connections (default off). On the embedded server with taps on, its own
   * taps do it; on a real Toxiproxy (or the embedded one without taps) a recording relay in this
   * process stands between each hop and its upstream (taps/tap-relay.ts). Options are the relay's
   * budget; the embedded server has its own.
   */
  taps?: boolean | TapOptions;
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
  readonly #relays = new Map<string, TapRelay>();
  readonly #taps: TapOptions | undefined;
  /** Whether the server records itself; asked once (GET /taps, a 404 on a real Toxiproxy). */
  #serverTaps: Promise<boolean> | undefined;
  #untrack: () => void;

  constructor(url: string, options: ToxiproxyHopsOptions = {}) {
    this.url = url.replace(/\/+$/, "");
    this.client = new Toxiproxy(this.url);
    this.#taps = options.taps === true ? {} : options.taps || undefined;
    this.#untrack = trackLive(this);
  }

  get hops(): ReadonlyMap<string, HopAddress> {
    return this.#hops;
  }

  /** Creates (or replaces a stale proxy of the same name) and reports where clients connect. */
  async createHop(options: { name: string; upstream: string; listen?: string }): Promise<HopAddress> {
    checkName(options.name);
    await this.#relays.get(options.name)?.[Symbol.asyncDispose]();
    this.#relays.delete(options.name);
    const relay =
      this.#taps && !(await this.#serverRecords())
        ? await startTapRelay({ name: options.name, upstream: options.upstream, taps: this.#taps })
        : undefined;
    const body = {
      name: options.name,
      upstream: relay?.address ?? options.upstream,
      listen: options.listen ?? `${LOOPBACK}:0`,
    };
    try {
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
      // Behind a relay the proxy's upstream is the relay; the hop's upstream is still the box.
      const hop = toHop(proxy.name, proxy.listen, relay ? options.upstream : proxy.upstream);
      this.#hops.set(hop.name, hop);
      if (relay) this.#relays.set(hop.name, relay);
      return hop;
    } catch (error) {
      await relay?.[Symbol.asyncDispose]();
      throw error;
    }
  }

  /**
   * What the hop's connections carried (see taps/tap-types.ts): those open at or active after
   * `since` (epoch ms, lib/clock.ts), with their bytes from then on. Needs `taps` in the options.
   */
  async taps(hop: string, options: { since?: number } = {}): Promise<TapConnection[]> {
    const relay = this.#relayOf(hop);
    if (relay) return relay.recorder.list(options.since);
    const query = options.since === undefined ? "" : `?since=${options.since}`;
    const answer = await this.#extension(
      `read the taps of hop "${hop}"`,
      "GET",
      `/proxies/${hop}/taps${query}`,
    );
    return ((await answer.json()) as { connections: TapConnectionJson[] }).connections.map(tapFromJson);
  }

  /** Forgets what the hop's taps recorded (finished connections, and the bytes of open ones so far). */
  async clearTaps(hop: string): Promise<void> {
    const relay = this.#relayOf(hop);
    if (relay) relay.recorder.clear();
    else await this.#extension(`clear the taps of hop "${hop}"`, "DELETE", `/proxies/${hop}/taps`);
  }

  #relayOf(hop: string): TapRelay | undefined {
    if (!this.#taps) {
      throw new StreamchaosError("TOXIPROXY_TAPS_OFF", {
        what: `No taps on hop "${hop}"`,
        why: "this ToxiproxyHops was created without taps",
        fix: "Create it with `new ToxiproxyHops(url, { taps: true })`.",
      });
    }
    return this.#relays.get(hop);
  }

  #serverRecords(): Promise<boolean> {
    this.#serverTaps ??= toxiproxyRecordsTaps(this.url);
    return this.#serverTaps;
  }

  /** The taps endpoints are this project's extension: toxiproxy-node-client does not know them. */
  async #extension(action: string, method: string, path: string): Promise<Response> {
    const response = await this.#call(action, () => fetch(`${this.url}${path}`, { method }));
    if (!response.ok) {
      throw new StreamchaosError("TOXIPROXY_REQUEST_FAILED", {
        what: `Toxiproxy could not ${action}`,
        why: `${this.url}${path}: ${response.status} ${(await response.text()).trim()}`,
      });
    }
    return response;
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

  /**
   * Clears every hop this driver created; other proxies on the server are left alone. The hops are
   * independent, so they are cleared at once (a lane clears after every scenario: one round trip, not
   * one per hop); every clear is finished before the first failure is thrown.
   */
  async clearAll(): Promise<void> {
    const cleared = await Promise.allSettled([...this.#hops.keys()].map((name) => this.clearHop(name)));
    const failed = cleared.find((c): c is PromiseRejectedResult => c.status === "rejected");
    if (failed) throw failed.reason;
  }

  async removeHop(hop: string): Promise<void> {
    const proxy = await this.#call(`look up hop "${hop}"`, () => this.client.get(hop));
    await this.#call(`remove hop "${hop}"`, () => proxy.remove());
    this.#hops.delete(hop);
    await this.#relays.get(hop)?.[Symbol.asyncDispose]();
    this.#relays.delete(hop);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#untrack();
    const names = [...this.#hops.keys()];
    this.#hops.clear();
    const api = this.client.getApi();
    await Promise.allSettled(names.map((name) => api.delete(`${this.url}/proxies/${name}`)));
    const relays = [...this.#relays.values()];
    this.#relays.clear();
    await Promise.allSettled(relays.map((relay) => relay[Symbol.asyncDispose]()));
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

/**
 * Whether the Toxiproxy at `url` records its connections itself (the embedded server with taps on
 * answers GET /taps with `{ taps: true }`; a real Toxiproxy answers 404).
 */
export function toxiproxyRecordsTaps(url: string): Promise<boolean> {
  return fetch(`${url.replace(/\/+$/, "")}/taps`)
    .then(async (response) => response.ok && ((await response.json()) as { taps?: unknown }).taps === true)
    .catch(() => false);
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
  // The harness reads every hop's bytes: its own server records them (bounded, see taps/).
  const server: StartedToxiproxyServer = await startToxiproxyServer({ host: LOOPBACK, port: 0, taps: true });
  return {
    url: server.url,
    source: "embedded",
    ...(warning ? { warning: `${warning}; using the embedded server` } : {}),
    [Symbol.asyncDispose]: () => server[Symbol.asyncDispose](),
  };
}
