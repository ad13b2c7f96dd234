import { setMaxListeners } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { now } from "../lib/clock.ts";
import { StreamchaosError, UserError } from "../lib/errors.ts";
import { trackLive } from "../lib/lifecycle.ts";
import { hostPort, isLoopback, LOOPBACK, portInUseError } from "../lib/net.ts";
import { ADMIN_PREFIX, type AdminTarget, handleAdmin } from "./admin.ts";
import {
  conditionPredicate,
  isJournalLimit,
  Journal,
  type JournalPredicate,
  type LiveEntry,
  type WaitCondition,
} from "./journal.ts";
import type { JournalEntry, ProviderName } from "./journal-types.ts";
import { Pacer } from "./pacer.ts";
import { isProviderName, providers, routeRequest } from "./providers/registry.ts";
import { headerRecord, redactBody, redactHeaders, redactQuery } from "./redact.ts";
import { readableTarget, unreadableTarget } from "./request-target.ts";
import { Responder } from "./responder/responder.ts";
import { StreamAbort } from "./responder/stream-abort.ts";
import { type Script, validateScript } from "./script.ts";
import { ScriptBook, type ScriptMatch } from "./script-book.ts";
import { ACCEPT_FIRST_MS, SetUpQueue } from "./set-up-queue.ts";

export interface FakeProviderOptions {
  /** Where the provider routes listen; default 127.0.0.1. */
  host?: string;
  /**
   * Where the admin API listens; default 127.0.0.1 whatever `host` is. It has no authentication and
   * changes scripts and serves the journal (request bodies), so exposing it is its own decision.
   */
  adminHost?: string;
  /** Provider port; 0 (default) lets the system pick. */
  port?: number;
  /** The always-on admin port (stays up while refuse-connection closes the provider port); default 0. */
  adminPort?: number;
  /** The default script (validated); default: a clean stream of the built-in text. */
  script?: unknown;
  /**
   * Keep at most this many finished requests in the journal, oldest dropped first (the admin API's
   * `GET journal` says how many in `x-streamchaos-journal-dropped`). Default: keep all.
   */
  journalLimit?: number;
  /**
   * Told when the fake goes from no request in hand to one (`true`) and back to none (`false`),
   * admin requests included. The standalone CLI hangs lib/idle-heap.ts's IdleHeapHold on it.
   */
  onBusyChange?: (busy: boolean) => void;
  /**
   * How long (ms) a read request's set-up may wait while the fake keeps accepting new connections,
   * so that a herd is accepted and stamped before any of it is answered (fakes/set-up-queue.ts).
   * Default 80; 0 never waits for accepts. A longer hold suits a herd that arrives over a longer
   * wall-clock time, as on a loaded machine.
   */
  acceptFirstMs?: number;
}

export interface StartedFakeProvider extends AsyncDisposable {
  /** Provider origin, e.g. http://127.0.0.1:39211 (also serves the admin API under /__streamchaos/). */
  readonly url: string;
  /** Admin origin on the separate, always-on admin port. */
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  /**
   * What a client puts in its base-URL setting: openai / openai-responses → `${url}/v1`,
   * openrouter → `${url}/api/v1`, anthropic, gemini, ollama → url (their SDKs add /v1, /v1beta, /api).
   */
  baseUrl(provider: ProviderName): string;
  setScript(script: unknown): Promise<void>;
  /** Adds a per-match script (first added match wins; `times` uses, then it is spent). Returns its id. */
  addScript(script: unknown, match?: ScriptMatch, times?: number): Promise<number>;
  /** Back to the starting script, no matches, empty journal. */
  reset(): Promise<void>;
  journal(): JournalEntry[];
  waitFor<T>(predicate: JournalPredicate<T>, timeoutMs?: number): Promise<T>;
  waitFor(condition: WaitCondition, timeoutMs?: number): Promise<JournalEntry[]>;
}

/**
 * One client connection: the request it carries now, and how it ended. Its socket's listeners
 * are shared functions that find it by socket (connectionOf), not closures made per connection.
 */
class Connection {
  entry: LiveEntry | undefined = undefined;
  abort: StreamAbort | undefined = undefined;
  /** The fake, not the client, is closing it (a fault step). */
  selfClosed = false;
  gone = false;
  readonly #journal: Journal;
  /** The server's closing signal: a close of its own doing is not the client leaving. */
  readonly #closing: AbortSignal;
  /** The server's live connections, which this one leaves when its socket closes. */
  readonly #live: Map<Socket, Connection>;
  /** The server's answers in progress, which an answer on this connection leaves when it is over. */
  readonly #inFlight: Set<StreamAbort>;

  constructor(
    journal: Journal,
    closing: AbortSignal,
    live: Map<Socket, Connection>,
    inFlight: Set<StreamAbort>,
  ) {
    this.#journal = journal;
    this.#closing = closing;
    this.#live = live;
    this.#inFlight = inFlight;
  }

  /**
   * The answer that `abort` belongs to is over: the client leaving from now on has nothing to
   * abort. Nothing the journal shows changes here; the responder has just told it how the answer
   * ended.
   */
  served(abort: StreamAbort): void {
    this.#inFlight.delete(abort);
    if (this.abort === abort) this.abort = undefined;
  }

  /** The fake, not the client, is closing it (fin and rst steps). */
  markSelfClosed(): void {
    this.selfClosed = true;
  }

  closed(socket: Socket): void {
    this.left("abort");
    this.#live.delete(socket);
  }

  /** The client went away: journals how, on the entry it was answering, and aborts that answer. */
  left(how: "fin" | "rst" | "abort"): void {
    if (this.gone) return;
    this.gone = true;
    const entry = this.entry;
    const ours = this.selfClosed || this.#closing.aborted;
    if (entry && !entry.clientClose && !ours) {
      const duringResponse = entry.outcome === "in-progress";
      // A bare close after the response is the server's own idle timeout, not the client.
      if (how !== "abort" || duringResponse) {
        entry.clientClose = { t: now(), how, duringResponse };
        if (duringResponse) entry.outcome = "client-closed";
        this.#journal.changed();
      }
    }
    this.abort?.abort(new Error(`client closed (${how})`));
  }
}

type Routed = NonNullable<ReturnType<typeof routeRequest>>;

/** A request from its arrival to its set-up: what #answer needs, held while it waits its turn. */
class Arrival {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly socket: Socket;
  readonly adminOnly: boolean;
  readonly conn: Connection;
  /** `now()` when the request was read in (its headers). */
  readonly received: number;
  readonly pathname: string;
  readonly search: string;
  rawBody = "";
  /** `now()` when its body was in: the schedule counts from here. */
  requestEnded = 0;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    adminOnly: boolean,
    conn: Connection,
    received: number,
    target: { pathname: string; search: string },
  ) {
    this.req = req;
    this.res = res;
    this.socket = req.socket;
    this.adminOnly = adminOnly;
    this.conn = conn;
    this.received = received;
    this.pathname = target.pathname;
    this.search = target.search;
  }
}

const connectionOf = new WeakMap<Socket, Connection>();

function onSocketEnd(this: Socket): void {
  connectionOf.get(this)?.left("fin");
}

function onSocketError(this: Socket, error: NodeJS.ErrnoException): void {
  connectionOf.get(this)?.left(error.code === "ECONNRESET" ? "rst" : "abort");
}

function onSocketClose(this: Socket): void {
  connectionOf.get(this)?.closed(this);
}

const MAX_BODY = 32 * 1024 * 1024;
/**
 * How many connections the kernel may queue before the server accepts them (capped by
 * net.core.somaxconn). Node's default, 511, overflowed when 1,000 clients connected at once: the
 * kernel dropped the rest, and each of those clients only got its first byte after a SYN
 * retransmission, 1 s later (3 s for a second one).
 */
const LISTEN_BACKLOG = 4096;
const hasRefusal = (script: Script) => (script.faults ?? []).some((f) => f.fault === "refuse-connection");

class FakeProvider implements StartedFakeProvider, AdminTarget {
  readonly log: Journal;
  readonly book: ScriptBook;
  readonly #host: string;
  readonly #adminHost: string;
  /** The provider port also serves /__streamchaos/ only when that exposes no more than the admin port. */
  readonly #adminOnProviderPort: boolean;
  readonly #provider: Server;
  readonly #admin: Server;
  readonly #closing = new AbortController();
  readonly #connections = new Map<Socket, Connection>();
  /** The requests being answered, aborted when the server closes. */
  readonly #inFlight = new Set<StreamAbort>();
  readonly #pacer = new Pacer();
  readonly #setUps: SetUpQueue;
  /**
   * The last provider request, its response and responder, kept until the next one replaces them.
   * Why: a few seconds after a burst of requests, V8's memory reducer collects garbage to shrink
   * the idle heap, and those collections keep no hidden class (map) without a live object: with
   * every object of the burst gone, the next burst's requests, sockets and responders get new
   * maps, and each optimized function that had seen the old ones is thrown away ("wrong map",
   * --trace-deopt) and compiled again, ~130 functions and ~0.5 s of compiler time at the start of
   * each burst of 1,000 streams. One live object of each kind keeps their maps.
   */
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: held to keep its objects alive, never read
  #lastServed: unknown;
  #port = 0;
  #adminPort = 0;
  #listening = false;
  #untrack: () => void = () => {};
  /** Requests being read or answered, and who is told when that goes to and from none. */
  #inHand = 0;
  readonly #onBusyChange: ((busy: boolean) => void) | undefined;

  constructor(
    host: string,
    adminHost: string,
    initial: Script,
    journalLimit: number | undefined,
    onBusyChange: ((busy: boolean) => void) | undefined,
    acceptFirstMs: number,
  ) {
    this.#onBusyChange = onBusyChange;
    this.#setUps = new SetUpQueue(acceptFirstMs);
    this.#host = host;
    this.#adminHost = adminHost;
    this.#adminOnProviderPort = host === adminHost || isLoopback(host);
    this.log = new Journal({ limit: journalLimit });
    this.book = new ScriptBook(initial);

    // One listener per in-flight request and per long poll: many are normal.
    setMaxListeners(0, this.#closing.signal);
    this.#provider = createServer((req, res) => this.#onRequest(req, res, false));
    this.#admin = createServer((req, res) => this.#onRequest(req, res, true));
    for (const server of [this.#provider, this.#admin]) {
      server.on("connection", (socket: Socket) => this.#track(socket));
      // Never crash on a client that sends garbage or vanishes mid-request.
      server.on("clientError", (_error, socket) => socket.destroy());
    }
  }

  journal(): JournalEntry[] {
    return this.log.entries();
  }

  get signal(): AbortSignal {
    return this.#closing.signal;
  }

  get port(): number {
    return this.#port;
  }
  get adminPort(): number {
    return this.#adminPort;
  }
  get url(): string {
    return `http://${hostPort(this.#host, this.#port)}`;
  }
  get adminUrl(): string {
    return `http://${hostPort(this.#adminHost, this.#adminPort)}`;
  }

  baseUrl(provider: ProviderName): string {
    const codec = isProviderName(provider) ? providers[provider] : undefined;
    if (!codec) {
      throw new StreamchaosError("FAKE_UNKNOWN_PROVIDER", {
        what: `Unknown provider "${provider}"`,
        fix: `Use one of: ${Object.keys(providers).join(", ")}.`,
      });
    }
    return `${this.url}${codec.baseUrlPath}`;
  }

  async start(port: number, adminPort: number): Promise<void> {
    this.#port = await this.#listen(this.#provider, this.#host, port).catch((error) => {
      throw listenFailed(error, this.#host, port, "port");
    });
    this.#listening = true;
    this.#adminPort = await this.#listen(this.#admin, this.#adminHost, adminPort).catch((error) => {
      throw listenFailed(error, this.#adminHost, adminPort, "admin port");
    });
    this.#untrack = trackLive(this);
    await this.#applyRefusal();
  }

  #listen(server: Server, host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once("error", onError);
      server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
        server.off("error", onError);
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  /** refuse-connection in the default script means the provider port really refuses (ECONNREFUSED). */
  async #applyRefusal(): Promise<void> {
    const refuse = hasRefusal(this.book.default);
    if (refuse && this.#listening) {
      this.#listening = false;
      this.#provider.close();
      this.#provider.closeIdleConnections();
    } else if (!refuse && !this.#listening && !this.#closing.signal.aborted) {
      await this.#listen(this.#provider, this.#host, this.#port);
      this.#listening = true;
    }
  }

  async setScript(script: unknown): Promise<void> {
    this.book.setDefault(validateScript(script));
    await this.#applyRefusal();
  }

  async addScript(script: unknown, match: ScriptMatch = {}, times?: number): Promise<number> {
    return this.book.add(validateScript(script), match, times);
  }

  async reset(): Promise<void> {
    this.book.reset();
    this.log.clear();
    await this.#applyRefusal();
  }

  waitFor<T>(what: JournalPredicate<T> | WaitCondition, timeoutMs = 10_000): Promise<T> {
    // Predicates see the live entries; what they return is copied so it never changes afterwards.
    const predicate: JournalPredicate<T> =
      typeof what === "function"
        ? (entries) => {
            const result = what(entries);
            return result && typeof result === "object" ? structuredClone(result) : result;
          }
        : (conditionPredicate(what) as unknown as JournalPredicate<T>);
    return this.log.waitFor(predicate, timeoutMs, this.#closing.signal);
  }

  #track(socket: Socket): void {
    this.#setUps.noteAccepted();
    this.#pacer.catchUp();
    const conn = new Connection(this.log, this.#closing.signal, this.#connections, this.#inFlight);
    this.#connections.set(socket, conn);
    connectionOf.set(socket, conn);
    socket.on("end", onSocketEnd);
    socket.on("error", onSocketError);
    socket.on("close", onSocketClose);
  }

  /**
   * Not async functions: a suspended one is a generator with its registers, its own promise and
   * one more per await, and in a herd of requests (1,000 at once) each waits for its body and for
   * its turn in the set-up queue, where the scavenger copied every one of those frames. What a
   * request needs until its set-up waits in one Arrival instead, moved on by callbacks. A failure
   * still ends in a rejected promise nobody handles, as the async function's did.
   */
  #onRequest(req: IncomingMessage, res: ServerResponse, adminOnly: boolean): void {
    if (this.#inHand++ === 0) this.#onBusyChange?.(true);
    req.on("error", ignore);
    res.on("error", ignore);
    const conn =
      this.#connections.get(req.socket) ??
      new Connection(this.log, this.#closing.signal, new Map(), this.#inFlight);
    this.#pacer.catchUp();
    const received = now();
    const target = readableTarget(req.url ?? "/");
    if (target === undefined) {
      answerError(res, 400, `streamchaos fake: ${unreadableTarget(req.url)}`);
      this.#answered();
      return;
    }
    readBody(req, new Arrival(req, res, adminOnly, conn, received, target), this.#bodyRead);
  }

  readonly #answered = (): void => {
    if (--this.#inHand === 0) this.#onBusyChange?.(false);
  };

  readonly #answeredWithError = (error: unknown): never => {
    this.#answered();
    throw error;
  };

  /** Counts the request answered once `answer` settles; its failure is left unhandled. */
  #settle(answer: Promise<void>): void {
    void answer.then(this.#answered, this.#answeredWithError);
  }

  readonly #bodyRead = (arrival: Arrival, body: string | Error): void => {
    if (typeof body !== "string") {
      if (!arrival.res.headersSent) arrival.socket.destroy();
      this.#answered();
      return;
    }
    try {
      this.#route(arrival, body);
    } catch (error) {
      this.#settle(Promise.reject(error));
    }
  };

  /** What the request asks for, and whether it is answered at once or set up in its turn. */
  #route(arrival: Arrival, rawBody: string): void {
    const { req, res, adminOnly, pathname, search } = arrival;
    arrival.rawBody = rawBody;
    arrival.requestEnded = now();
    const adminPath = pathname.startsWith(ADMIN_PREFIX);
    if (adminPath && (adminOnly || this.#adminOnProviderPort)) {
      this.#settle(handleAdmin(req, res, pathname, rawBody, this));
      return;
    }
    const routed =
      adminOnly || adminPath
        ? undefined
        : routeRequest(req.method ?? "GET", pathname, new URLSearchParams(search));
    if (!routed) {
      answerError(
        res,
        404,
        adminPath
          ? `streamchaos fake: the admin API is not served on the provider port, which listens beyond loopback; use ${this.adminUrl}${ADMIN_PREFIX} from this machine, or start the fake with --admin-host (adminHost) to expose it`
          : `streamchaos fake: no route for ${req.method} ${pathname}${adminOnly ? " on the admin port" : ""}`,
      );
      this.#answered();
      return;
    }
    // A request on a kept-alive connection while the port refuses: nothing may answer it.
    if (!this.#listening && hasRefusal(this.book.default)) {
      arrival.conn.selfClosed = true;
      arrival.socket.resetAndDestroy();
      this.#answered();
      return;
    }
    this.#setUps.enqueue(() => this.#setUp(arrival, routed));
  }

  #setUp(arrival: Arrival, routed: Routed): void {
    try {
      this.#settle(this.#answer(arrival, routed));
    } catch (error) {
      this.#settle(Promise.reject(error));
    }
  }

  /** Sets the answer up (script, journal entry, responder) and starts it; settles when it ends. */
  #answer(arrival: Arrival, { codec, route }: Routed): Promise<void> {
    const { req, res, socket, conn, pathname, search, rawBody } = arrival;
    this.#pacer.catchUp();
    let body: unknown = rawBody;
    try {
      if (rawBody !== "") body = JSON.parse(rawBody);
    } catch {
      // Journal the raw text; the codec sees an empty request.
    }
    const bodyObject =
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)
        : {};
    const model =
      route.model ??
      (typeof bodyObject.model === "string" && bodyObject.model !== ""
        ? bodyObject.model
        : codec.defaultModel);
    const sent = headerRecord(req.headers);
    const headers = redactHeaders(sent);
    const { script, name } = this.book.pick({
      path: pathname,
      provider: codec.name,
      model,
      headers: sent,
      rawBody,
    });
    const entry = this.log.open({
      provider: codec.name,
      method: req.method ?? "GET",
      path: pathname,
      query: redactQuery(search),
      headers,
      body: redactBody(body),
      script: name,
      t: { received: arrival.received },
    });
    const abort = new StreamAbort();
    this.#inFlight.add(abort);
    conn.entry = entry;
    conn.abort = abort;
    if (conn.gone) abort.abort(new Error("client closed before the request was handled"));
    const responder = new Responder({
      res,
      socket,
      codec,
      route,
      model,
      request: { method: req.method ?? "GET", path: pathname, headers, body: bodyObject },
      script,
      entry,
      journal: this.log,
      abort,
      pacer: this.#pacer,
      connection: conn,
      requestEnded: arrival.requestEnded,
    });
    this.#lastServed = [req, res, responder, arrival];
    return responder.run();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort(new Error("fake provider closing"));
    for (const abort of this.#inFlight) abort.abort(new Error("fake provider closing"));
    this.#pacer.close();
    this.#untrack();
    const closed = [this.#admin, ...(this.#listening ? [this.#provider] : [])].map(
      (server) => new Promise<void>((resolve) => server.close(() => resolve())),
    );
    for (const socket of this.#connections.keys()) socket.destroy();
    this.#provider.closeAllConnections();
    this.#admin.closeAllConnections();
    await Promise.all(closed);
  }
}

function ignore(): void {}

/** The fake's own error for a request it cannot answer (no route, a target it cannot read), with the routes it has. */
function answerError(res: ServerResponse, status: number, message: string): void {
  const text = `${JSON.stringify({
    error: {
      message,
      type: "invalid_request_error",
      routes: Object.values(providers).map((c) => c.name),
    },
  })}\n`;
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Reads the whole body, then calls `done` once with the arrival and its text, or the error that ended it. */
function readBody(
  req: IncomingMessage,
  arrival: Arrival,
  done: (arrival: Arrival, body: string | Error) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  // Taken off once the body is in or failed: the request lives as long as its answer (a
  // stream's whole life), and so did these listeners, their closure and the body's chunks.
  // Its errors after that still meet #onRequest's listener.
  const settle = (error: Error | undefined) => {
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("aborted", onAborted);
    done(arrival, error ?? Buffer.concat(chunks).toString("utf8"));
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) settle(new Error("request body too large"));
    else chunks.push(chunk);
  };
  const onEnd = () => settle(undefined);
  const onError = (error: Error) => settle(error);
  const onAborted = () => settle(new Error("aborted"));
  req.on("data", onData);
  req.on("end", onEnd);
  req.on("error", onError);
  req.on("aborted", onAborted);
}

/** Starts the fake provider: every provider route on one port, plus the separate admin port. */
/** A port that cannot be bound is the caller's to fix (CLI exit 2): which one, who holds it, what to do. */
function listenFailed(error: NodeJS.ErrnoException, host: string, port: number, which: string): UserError {
  const flag = which === "port" ? "--port (port)" : "--admin-port (adminPort)";
  const instead = `pick another ${flag}, or 0 to let the system choose a free one`;
  const subject = `The fake provider cannot listen on its ${which}`;
  if (error.code === "EADDRINUSE") {
    return portInUseError({ code: "FAKE_LISTEN_FAILED", subject, host, port, instead, cause: error });
  }
  return new UserError("FAKE_LISTEN_FAILED", {
    what: `${subject} ${hostPort(host, port)}`,
    why: `${error.code ?? ""} ${error.message}`.trim(),
    fix: `Check --host, or ${instead}.`,
    cause: error,
  });
}

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<StartedFakeProvider> {
  const script = validateScript(options.script ?? {}, "default script");
  if (options.journalLimit !== undefined && !isJournalLimit(options.journalLimit)) {
    throw new UserError("FAKE_BAD_JOURNAL_LIMIT", {
      what: `journalLimit ${options.journalLimit} is not a number of journal entries to keep`,
      why: "it must be a whole number of 1 or more (finished requests kept, oldest dropped first)",
      fix: "Pass e.g. journalLimit: 1000, or leave it out to keep every entry.",
    });
  }
  const acceptFirstMs = options.acceptFirstMs ?? ACCEPT_FIRST_MS;
  if (!(Number.isFinite(acceptFirstMs) && acceptFirstMs >= 0)) {
    throw new UserError("FAKE_BAD_ACCEPT_FIRST", {
      what: `acceptFirstMs ${acceptFirstMs} is not a time to hold set-ups for`,
      why: "it must be a finite number of milliseconds, 0 or more (0: set requests up without waiting for accepts)",
      fix: `Pass e.g. acceptFirstMs: ${ACCEPT_FIRST_MS}, or leave it out for that default.`,
    });
  }
  const fake = new FakeProvider(
    options.host ?? LOOPBACK,
    options.adminHost ?? LOOPBACK,
    script,
    options.journalLimit,
    options.onBusyChange,
    acceptFirstMs,
  );
  try {
    await fake.start(options.port ?? 0, options.adminPort ?? 0);
  } catch (error) {
    await fake[Symbol.asyncDispose]();
    throw error;
  }
  return fake;
}
