import type { ServerResponse } from "node:http";
import type { Renderer } from "./contract.ts";

export interface ResponseOptions {
  /** `X-Accel-Buffering: no` and `Cache-Control: no-cache` (off with bug `no-anti-buffering-headers`). */
  antiBuffering: boolean;
  /** Undefined = never (bug `no-keepalive`). */
  keepaliveMs: number | undefined;
}

export interface JsonError {
  message: string;
  type: string;
  code: string;
}

/**
 * One client response. It stays uncommitted (no status line on the wire) until `commit()`, so a
 * failure before the first token can still become a real HTTP error (incident 000's fix). Every
 * event is its own `res.write`, so nothing waits for a buffer to fill.
 */
export class Downstream {
  #committed = false;
  #ended = false;
  #keepalive: NodeJS.Timeout | undefined;

  constructor(
    readonly res: ServerResponse,
    readonly renderer: Renderer,
    readonly options: ResponseOptions,
  ) {
    res.on("error", () => {
      // A write racing a client reset: the 'close' handler deals with the disconnect.
    });
  }

  get committed(): boolean {
    return this.#committed;
  }

  /** True once this side ended or destroyed the response (a client leaving does not count). */
  get endedByServer(): boolean {
    return this.#ended;
  }

  /** True once the response was ended, destroyed or closed under us. */
  get ended(): boolean {
    return this.#ended || this.res.destroyed;
  }

  commit(): void {
    if (this.#committed || this.ended) return;
    this.#committed = true;
    const headers: Record<string, string> = { "content-type": "text/event-stream; charset=utf-8" };
    if (this.options.antiBuffering) {
      headers["cache-control"] = "no-cache";
      headers["x-accel-buffering"] = "no";
    }
    this.res.writeHead(200, headers);
    this.res.flushHeaders();
    for (const event of this.renderer.open()) this.#write(event);
    this.#scheduleKeepalive();
  }

  token(text: string): void {
    this.commit();
    this.#write(this.renderer.token(text));
  }

  done(finishReason: string, outputTokens: number): void {
    this.commit();
    for (const event of this.renderer.done(finishReason, outputTokens)) this.#write(event);
    this.#end();
  }

  /** The contract's error marker, then a clean end (`0\r\n\r\n`). */
  marker(message: string): void {
    this.commit();
    this.#write(this.renderer.marker(message));
    this.#end();
  }

  jsonError(status: number, error: JsonError, extraHeaders: Record<string, string> = {}): void {
    if (this.#committed || this.ended) return;
    this.#committed = true;
    this.#ended = true;
    const body = JSON.stringify({ error });
    this.res.writeHead(status, {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(body)),
      ...extraHeaders,
    });
    this.res.end(body);
  }

  /** Closes the socket with no terminator: what uvicorn does when a generator raises (wire-formats B3). */
  destroy(): void {
    this.#ended = true;
    clearTimeout(this.#keepalive);
    this.res.destroy();
  }

  #end(): void {
    if (this.ended) return;
    this.#ended = true;
    clearTimeout(this.#keepalive);
    this.res.end();
  }

  #write(event: string): void {
    if (this.ended) return;
    this.res.write(event);
    this.#scheduleKeepalive();
  }

  /** A comment after every quiet KEEPALIVE_MS, so idle timeouts of proxies and clients never fire. */
  #scheduleKeepalive(): void {
    const interval = this.options.keepaliveMs;
    if (interval === undefined) return;
    clearTimeout(this.#keepalive);
    this.#keepalive = setTimeout(() => this.#write(": keepalive\n\n"), interval);
  }
}
