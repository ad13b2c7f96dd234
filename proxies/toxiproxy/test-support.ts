/**
 * Fixtures shared by this folder's suites. The suites talk HTTP and TCP only, so they run unchanged
 * against a real Toxiproxy: set TOXIPROXY_URL and they use it instead of starting the embedded one.
 */
import { randomUUID } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { now } from "../../lib/clock.ts";
import { LOOPBACK } from "../../lib/net.ts";
import { startToxiproxyServer } from "./server.ts";

export interface ToxiproxyUnderTest extends AsyncDisposable {
  readonly url: string;
  readonly external: boolean;
}

export async function toxiproxyUnderTest(): Promise<ToxiproxyUnderTest> {
  const external = process.env.TOXIPROXY_URL?.replace(/\/+$/, "");
  if (external) return { url: external, external: true, async [Symbol.asyncDispose]() {} };
  const server = await startToxiproxyServer({ port: 0 });
  return { url: server.url, external: false, [Symbol.asyncDispose]: () => server[Symbol.asyncDispose]() };
}

/** Unique per test so a shared real server never sees two tests' proxies collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().slice(0, 8)}`;
}

export interface ApiAnswer {
  status: number;
  text: string;
  headers: Headers;
  json<T = unknown>(): T;
}

export async function api(
  base: string,
  method: string,
  path: string,
  body?: string | object,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, text, headers: response.headers, json: <T>() => JSON.parse(text) as T };
}

/** Creates a proxy on 127.0.0.1:0 to `upstream` and returns its name and port; removed on dispose. */
export async function createProxy(
  base: string,
  upstreamPort: number,
  name = uniqueName("p"),
): Promise<{ name: string; port: number } & AsyncDisposable> {
  const answer = await api(base, "POST", "/proxies", {
    name,
    listen: `${LOOPBACK}:0`,
    upstream: `${LOOPBACK}:${upstreamPort}`,
  });
  if (answer.status !== 201) throw new Error(`create proxy: ${answer.status} ${answer.text}`);
  const listen = answer.json<{ listen: string }>().listen;
  return {
    name,
    port: Number(listen.slice(listen.lastIndexOf(":") + 1)),
    async [Symbol.asyncDispose]() {
      await api(base, "DELETE", `/proxies/${name}`);
    },
  };
}

export async function addToxic(base: string, proxy: string, toxic: object): Promise<void> {
  const answer = await api(base, "POST", `/proxies/${proxy}/toxics`, toxic);
  if (answer.status !== 200) throw new Error(`add toxic: ${answer.status} ${answer.text}`);
}

export interface Upstream extends AsyncDisposable {
  readonly port: number;
  /** Server-side sockets, newest last. */
  readonly sockets: Socket[];
  /** Resolves with the next accepted server-side socket. */
  nextSocket(): Promise<Socket>;
}

/** A TCP server on 127.0.0.1:0; `onSocket` decides what it does (echo by default). */
export async function startUpstream(
  onSocket: (socket: Socket) => void = (s) => s.pipe(s),
): Promise<Upstream> {
  const sockets: Socket[] = [];
  const waiters: Array<(socket: Socket) => void> = [];
  const server: Server = createServer({ allowHalfOpen: false }, (socket) => {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    sockets.push(socket);
    waiters.shift()?.(socket);
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, resolve));
  const address = server.address();
  const port = address !== null && typeof address === "object" ? address.port : 0;
  return {
    port,
    sockets,
    nextSocket: () => new Promise((resolve) => waiters.push(resolve)),
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client socket that records everything it receives and how the connection ended. */
export class RecordingClient implements AsyncDisposable {
  readonly socket: Socket;
  readonly chunks: Array<{ at: number; data: Buffer }> = [];
  /** `end` = FIN, `reset` = ECONNRESET, `error:<code>` otherwise. */
  ending: string | undefined;
  endedAt: number | undefined;
  readonly #closed: Promise<void>;
  #waiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (data: Buffer) => {
      this.chunks.push({ at: now(), data });
      this.#notify();
    });
    socket.on("end", () => {
      this.ending ??= "end";
      this.endedAt ??= now();
      socket.end();
      this.#notify();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      this.ending ??= error.code === "ECONNRESET" ? "reset" : `error:${error.code}`;
      this.endedAt ??= now();
      this.#notify();
    });
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));
  }

  static connect(port: number): Promise<RecordingClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: LOOPBACK, port, allowHalfOpen: true });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RecordingClient(socket));
      });
      socket.once("error", reject);
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks.map((c) => c.data));
  }

  /** Resolves when `predicate` holds, rejects after `timeoutMs` with what was seen so far. */
  async until(predicate: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
    const deadline = now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - now();
      if (left <= 0) {
        throw new Error(
          `${what} not reached after ${timeoutMs}ms (received ${this.received.length} bytes, ending=${this.ending})`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  untilBytes(count: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.received.length >= count, timeoutMs, `${count} bytes`);
  }

  untilEnded(timeoutMs = 5000): Promise<void> {
    return this.until(() => this.ending !== undefined, timeoutMs, "connection end");
  }

  closed(): Promise<void> {
    return this.#closed;
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.socket.destroy();
    await this.#closed;
  }
}

/** Resolves with how connecting ended: `connected` or the error code (ECONNREFUSED when down). */
export function tryConnect(port: number, host = LOOPBACK): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
  });
}

/** Collects what a server-side socket receives and how it ended. */
export function recordSocket(socket: Socket): { data: () => Buffer; ended: Promise<string> } {
  const chunks: Buffer[] = [];
  socket.on("data", (data: Buffer) => chunks.push(data));
  const ended = new Promise<string>((resolve) => {
    socket.once("end", () => resolve("end"));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      resolve(error.code === "ECONNRESET" ? "reset" : `error:${error.code}`),
    );
    socket.once("close", () => resolve("close"));
  });
  return { data: () => Buffer.concat(chunks), ended };
}

export interface ProxyRig extends AsyncDisposable {
  readonly base: string;
  readonly upstream: Upstream;
  readonly proxy: { name: string; port: number };
  addToxic(toxic: object): Promise<void>;
  updateToxic(name: string, patch: object): Promise<void>;
  removeToxic(name: string): Promise<void>;
  client(): Promise<RecordingClient>;
}

/** A server under test, an upstream behaving as `onSocket` (echo by default) and one proxy to it. */
export async function proxyRig(onSocket?: (socket: Socket) => void): Promise<ProxyRig> {
  const server = await toxiproxyUnderTest();
  const upstream = await startUpstream(onSocket);
  const proxy = await createProxy(server.url, upstream.port);
  const clients: RecordingClient[] = [];
  const base = server.url;
  const call = async (method: string, path: string, body?: object) => {
    const answer = await api(base, method, path, body);
    if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  };
  return {
    base,
    upstream,
    proxy,
    addToxic: (toxic) => call("POST", `/proxies/${proxy.name}/toxics`, toxic),
    updateToxic: (name, patch) => call("PATCH", `/proxies/${proxy.name}/toxics/${name}`, patch),
    removeToxic: (name) => call("DELETE", `/proxies/${proxy.name}/toxics/${name}`),
    async client() {
      const client = await RecordingClient.connect(proxy.port);
      clients.push(client);
      return client;
    },
    async [Symbol.asyncDispose]() {
      for (const client of clients) await client[Symbol.asyncDispose]();
      await proxy[Symbol.asyncDispose]();
      await upstream[Symbol.asyncDispose]();
      await server[Symbol.asyncDispose]();
    },
  };
}

/** Sends `message` and resolves with the ms until `expectedBytes` more bytes came back. */
export async function roundTrip(
  client: RecordingClient,
  message: string,
  expectedBytes = message.length,
): Promise<number> {
  const before = client.received.length;
  const start = now();
  client.socket.write(message);
  await client.untilBytes(before + expectedBytes, 10_000);
  return now() - start;
}
