import { request } from "undici";
import * as sse from "./sse.ts";
import { type HttpCall, MalformedEventError, type ProviderAdapter, type UpstreamEvent } from "./types.ts";

export type FailureKind =
  /** The upstream answered with an HTTP error status before streaming. */
  | "http"
  /** Connection refused, reset or closed before the response headers. */
  | "connect"
  /** No byte within the timeout (before the first byte or during the stream). */
  | "timeout"
  /** The body broke: FIN without the chunked terminator, RST. */
  | "transport"
  /** The provider sent an in-band error event. */
  | "stream"
  /** An event whose data is not the provider's JSON. */
  | "malformed"
  /** The body ended cleanly but without a finish reason. */
  | "truncated"
  /** We aborted the call ourselves (client left, session superseded). */
  | "cancelled";

export class UpstreamFailure extends Error {
  override name = "UpstreamFailure";
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly retryAfter?: string,
  ) {
    super(message);
  }
}

export interface StreamOptions {
  adapter: ProviderAdapter;
  call: HttpCall;
  /** Aborting it cancels the upstream call (the socket is destroyed, so the provider sees the close). */
  signal: AbortSignal;
  /** Undefined = no bound at all (bug `no-upstream-timeout`). */
  timeoutMs: number | undefined;
  naiveSplit: boolean;
  crashOnMalformed: boolean;
}

const TIMED_OUT = Symbol("upstream timed out");

/**
 * Calls the provider and yields its neutral events. Every failure is thrown as `UpstreamFailure`;
 * a clean EOF just returns (the caller decides whether it was complete). One watchdog bounds the
 * wait for the first byte and every silence after it: OpenRouter's `: OPENROUTER PROCESSING`
 * comments count as life, as they do for a proxy's read timeout.
 */
export async function* streamUpstream(options: StreamOptions): AsyncGenerator<UpstreamEvent> {
  const { adapter, call, timeoutMs } = options;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal.reason);
  if (options.signal.aborted) onAbort();
  options.signal.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timeoutMs === undefined) return;
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  };
  const failure = (error: unknown, fallback: FailureKind): UpstreamFailure => {
    if (controller.signal.aborted) {
      return controller.signal.reason === TIMED_OUT
        ? new UpstreamFailure("timeout", `no data from upstream for ${timeoutMs}ms`)
        : new UpstreamFailure("cancelled", "upstream call cancelled");
    }
    if (error instanceof UpstreamFailure) return error;
    return new UpstreamFailure(fallback, describe(error));
  };

  let finished = false;
  let terminated = false;
  let chunks: AsyncIterator<Uint8Array> | undefined;
  let destroyBody: (() => void) | undefined;
  arm();
  try {
    let response: Awaited<ReturnType<typeof request>>;
    try {
      response = await request(call.url, {
        method: "POST",
        headers: call.headers,
        body: call.body,
        signal: controller.signal,
        // Our own watchdog is the bound; undici's 300 s defaults would hide a missing one.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
    } catch (error) {
      throw failure(error, "connect");
    }
    arm();
    const { body } = response;
    destroyBody = () => body.destroy();
    if (response.statusCode < 200 || response.statusCode > 299) {
      let text = "";
      try {
        text = await body.text();
      } catch (error) {
        throw failure(error, "connect");
      }
      const retryAfter = response.headers["retry-after"];
      throw new UpstreamFailure(
        "http",
        `upstream answered ${response.statusCode}: ${adapter.errorMessage(text) ?? text.slice(0, 200)}`,
        response.statusCode,
        Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      );
    }
    yield { type: "open" };
    const reader = options.naiveSplit ? sse.naive() : sse.spec();
    chunks = body[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        throw failure(error, "transport");
      }
      // A body that ended cleanly (the HTTP framing is complete) whose last event lacks its blank
      // line: the spec drops it, but it is whole, and it may carry Gemini's finishReason.
      const events = next.done ? reader.end() : reader.feed(next.value);
      if (!next.done) arm();
      for (const event of events) {
        let parsed: UpstreamEvent[];
        try {
          parsed = adapter.parseEvent(event);
        } catch (error) {
          if (options.crashOnMalformed && error instanceof MalformedEventError) {
            // Bug `crash-on-malformed`: like a JSON.parse inside an event-emitter callback, the
            // throw happens where no try/catch or promise can catch it, and the process exits.
            process.nextTick(() => {
              throw error;
            });
            await new Promise<never>(() => {});
          }
          throw new UpstreamFailure("malformed", describe(error));
        }
        for (const item of parsed) {
          if (item.type === "terminator") terminated = true;
          yield item;
        }
      }
      if (next.done) break;
    }
    finished = true;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    if (finished || !terminated || chunks === undefined) {
      clearTimeout(timer);
      if (!finished) controller.abort();
    } else {
      // The caller stopped at the terminator: read the few bytes left (the chunked `0\r\n\r\n`)
      // so the provider sees an ordinary end rather than a reset connection; still bounded.
      void drain(chunks, arm, () => {
        clearTimeout(timer);
        destroyBody?.();
      });
    }
  }
}

async function drain(chunks: AsyncIterator<Uint8Array>, arm: () => void, done: () => void): Promise<void> {
  try {
    arm();
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) arm();
  } catch {
    // After the terminator nothing the upstream does can change the answer.
  } finally {
    done();
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${typeof code === "string" ? `${code} ` : ""}${error.message}${cause}`;
}
