import { connect, createServer, type Server, type Socket } from "node:net";
import { AddressError, formatHostPort, isWildcard, resolveListenHost, splitHostPort } from "./address.ts";
import { ProxiedConnection } from "./connection.ts";
import type { HotLoop } from "./hot-loop.ts";
import type { TapRecorder } from "./taps/tap-recorder.ts";
import { ToxicCollection } from "./toxic-collection.ts";

export interface ProxyConfig {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "cannot assign requested address",
};

/**
 * One named proxy: a listener on `listen` that joins each client to a fresh connection to `upstream`
 * through the proxy's toxics. Disabled means no listener at all, so clients get ECONNREFUSED.
 */
export class ToxiproxyProxy {
  readonly name: string;
  listen: string;
  upstream: string;
  enabled = false;
  readonly toxics = new ToxicCollection();
  #server: Server | undefined;
  readonly #connections = new Set<ProxiedConnection>();
  /** Clients accepted while their upstream connection is still being opened. */
  readonly #pending = new Set<Socket>();
  #queue: Promise<unknown> = Promise.resolve();
  readonly #hotLoop: HotLoop;
  /** Set when the server records its connections (an extension: real Toxiproxy has no taps). */
  readonly taps: TapRecorder | undefined;

  constructor(name: string, listen: string, upstream: string, hotLoop: HotLoop, taps?: TapRecorder) {
    this.#hotLoop = hotLoop;
    this.taps = taps;
    this.name = name;
    this.listen = listen;
    this.upstream = upstream;
  }

  config(): ProxyConfig {
    return { name: this.name, listen: this.listen, upstream: this.upstream, enabled: this.enabled };
  }

  /** Starts listening; a no-op when already enabled. Errors carry Go's listen error text. */
  start(): Promise<void> {
    return this.#serialise(() => this.#start());
  }

  /** Stops listening and closes every connection (FIN, as upstream's conn.Close()). */
  stop(): Promise<void> {
    return this.#serialise(() => this.#stop());
  }

  /** Upstream's Update: a new listen or upstream restarts the proxy; `enabled` starts or stops it. */
  update(input: Omit<ProxyConfig, "name">): Promise<void> {
    return this.#serialise(async () => {
      if (input.listen !== this.listen || input.upstream !== this.upstream) {
        await this.#stop();
        this.listen = input.listen;
        this.upstream = input.upstream;
      }
      if (input.enabled !== this.enabled) {
        if (input.enabled) await this.#start();
        else await this.#stop();
      }
    });
  }

  /** One change at a time per proxy, as upstream's proxy lock does. */
  #serialise(operation: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #start(): Promise<void> {
    if (this.enabled) return;
    let asked: string;
    let host: string;
    let port: number;
    try {
      ({ host: asked, port } = splitHostPort(this.listen, "listen"));
      host = await resolveListenHost(asked);
    } catch (error) {
      if (error instanceof AddressError) throw new Error(error.message);
      throw error;
    }
    const server = createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true }, (client) =>
      this.#accept(client),
    );
    await new Promise<void>((resolve, reject) => {
      server.once("error", (error: NodeJS.ErrnoException) => {
        const reason = BIND_ERRORS[error.code ?? ""] ?? error.message;
        // Go prints the resolved address: ":8474" for an empty host, the IP otherwise.
        const shown = asked === "" ? `:${port}` : formatHostPort(isWildcard(asked) ? asked : host, port);
        reject(new Error(`listen tcp ${shown}: bind: ${reason}`));
      });
      server.listen({ host, port, ipv6Only: false }, () => resolve());
    });
    server.on("error", () => {});
    const address = server.address();
    if (address !== null && typeof address === "object")
      this.listen = formatHostPort(address.address, address.port);
    this.#server = server;
    this.enabled = true;
  }

  async #stop(): Promise<void> {
    if (!this.enabled) return;
    this.enabled = false;
    const server = this.#server;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
    for (const client of this.#pending) client.destroy();
    for (const connection of this.#connections) connection.destroy();
    await closed;
  }

  #accept(client: Socket): void {
    client.on("error", () => {});
    const tap = this.taps?.open(
      formatHostPort(client.remoteAddress ?? "", client.remotePort ?? 0),
      this.upstream,
    );
    tap?.watch("client", client);
    let upstream: Socket;
    try {
      const { host, port } = splitHostPort(this.upstream, "dial");
      upstream = connect({
        host: host === "" ? "localhost" : host,
        port,
        allowHalfOpen: true,
        noDelay: true,
      });
    } catch (error) {
      tap?.ended("upstream", { kind: "refused", by: "proxy", detail: (error as Error).message });
      tap?.ended("client", { kind: "fin", by: "proxy", detail: "upstream address invalid" });
      client.destroy();
      return;
    }
    upstream.on("error", () => {});
    tap?.watch("upstream", upstream);
    this.#pending.add(client);
    const onFailed = () => {
      // Upstream unreachable: upstream Toxiproxy closes the client it already accepted.
      this.#pending.delete(client);
      tap?.ended("upstream", { kind: "refused", by: "peer" });
      tap?.ended("client", { kind: "fin", by: "proxy", detail: "upstream unreachable" });
      client.destroy();
    };
    upstream.once("close", onFailed);
    upstream.once("connect", () => {
      upstream.off("close", onFailed);
      this.#pending.delete(client);
      tap?.upstreamConnected();
      if (!this.enabled || client.destroyed) {
        const gone = {
          kind: "fin",
          by: "proxy",
          detail: "the client left or the proxy stopped while dialing",
        } as const;
        tap?.ended("client", gone);
        tap?.ended("upstream", gone);
        client.destroy();
        upstream.destroy();
        return;
      }
      const connection = new ProxiedConnection(
        client,
        upstream,
        this.toxics,
        this.#hotLoop,
        (gone) => this.#connections.delete(gone),
        tap,
      );
      this.#connections.add(connection);
      client.resume();
    });
  }
}
