import { now } from "../../../lib/clock.ts";
import { redactQuery } from "../../redact.ts";
import { encodeBytes } from "../bytes.ts";
import {
  CASSETTE_TOOL,
  CASSETTE_VERSION,
  type Cassette,
  type CassetteHeader,
  type EndHow,
  roundMs,
} from "../cassette.ts";
import { withProvider } from "../recognize.ts";
import { redactHeaderPairs } from "../redact.ts";

export interface ExchangeRequest {
  method: string;
  /** As sent upstream, the target's prefix included. */
  path: string;
  /** Without "?". */
  query: string;
  /** As forwarded (Host is the target's). */
  headers: CassetteHeader[];
}

/**
 * One exchange while it is recorded: the request as forwarded, then each upstream write with its
 * arrival time. It ends once (complete, a side hung up, or the recorder stopped); later news is
 * ignored, so tearing sockets down after a Ctrl-C cannot rewrite how it ended.
 */
export class ExchangeRecording {
  readonly number: number;
  readonly #t0 = now();
  readonly #startedAt = new Date().toISOString();
  readonly #request: ExchangeRequest;
  readonly #requestBody: Buffer[] = [];
  #response: { t: number; status: number; statusText: string; headers: CassetteHeader[] } | undefined;
  readonly #writes: Array<{ t: number; bytes: Buffer }> = [];
  #end: { how: EndHow; t: number; error?: string } | undefined;

  constructor(number: number, request: ExchangeRequest) {
    this.number = number;
    this.#request = request;
  }

  get ended(): boolean {
    return this.#end !== undefined;
  }

  get path(): string {
    return this.#request.path;
  }

  requestBody(chunk: Buffer): void {
    if (!this.ended) this.#requestBody.push(chunk);
  }

  responseHead(status: number, statusText: string, headers: CassetteHeader[]): void {
    if (!this.ended) this.#response = { t: now() - this.#t0, status, statusText, headers };
  }

  responseWrite(bytes: Buffer): void {
    if (!this.ended) this.#writes.push({ t: now() - this.#t0, bytes });
  }

  /** Marks the end; false when it had already ended. */
  end(how: EndHow, error?: unknown): boolean {
    if (this.ended) return false;
    const message = error === undefined ? undefined : describe(error);
    this.#end = { how, t: now() - this.#t0, ...(message === undefined ? {} : { error: message }) };
    return true;
  }

  /** The cassette of what was seen (call after `end`). */
  toCassette(target: string): Cassette {
    const end = this.#end ?? { how: "unknown" as const, t: now() - this.#t0 };
    const response = this.#response;
    return withProvider({
      version: CASSETTE_VERSION,
      provider: "unknown",
      providerBy: "none",
      source: { kind: "record", from: target, tool: CASSETTE_TOOL },
      request: {
        startedAt: this.#startedAt,
        method: this.#request.method,
        path: this.#request.path,
        query: redactQuery(this.#request.query),
        headers: redactHeaderPairs(this.#request.headers),
        body: encodeBytes(Buffer.concat(this.#requestBody)),
      },
      ...(response
        ? {
            response: {
              t: roundMs(response.t),
              status: response.status,
              statusText: response.statusText,
              headers: redactHeaderPairs(response.headers),
              timing: "recorded" as const,
              writes: this.#writes.map((write) => ({ t: roundMs(write.t), ...encodeBytes(write.bytes) })),
            },
          }
        : {}),
      end: { ...end, t: roundMs(end.t) },
    });
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = error instanceof Error ? error.message : String(error);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
