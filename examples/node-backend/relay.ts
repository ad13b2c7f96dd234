import type { ServerResponse } from "node:http";
import { account, estimateTokens } from "./accounting.ts";
import type { Config } from "./config.ts";
import type { Contract, ParsedRequest } from "./downstream/contract.ts";
import { Downstream, type JsonError } from "./downstream/response.ts";
import { type Fields, type Level, log } from "./log.ts";
import type { ActiveStream, SessionChannels, SessionRegistry } from "./sessions.ts";
import { type FailureKind, streamUpstream, UpstreamFailure } from "./upstream/stream.ts";
import type { ProviderAdapter } from "./upstream/types.ts";

export interface RelayContext {
  config: Config;
  adapter: ProviderAdapter;
  sessions: SessionRegistry;
  channels: SessionChannels;
}

/** How a failure before the first token becomes an HTTP error (429 keeps its meaning for clients' retry logic). */
const preStreamErrors: Record<FailureKind, { status: number; code: string }> = {
  http: { status: 502, code: "upstream_http_error" },
  connect: { status: 502, code: "upstream_unreachable" },
  timeout: { status: 504, code: "upstream_timeout" },
  transport: { status: 502, code: "upstream_connection_lost" },
  stream: { status: 502, code: "upstream_stream_error" },
  malformed: { status: 502, code: "upstream_malformed_event" },
  truncated: { status: 502, code: "upstream_truncated" },
  cancelled: { status: 499, code: "cancelled" },
};

/**
 * Relays one request: client contract in, provider stream out, one core for every contract.
 * The order of decisions follows incident 000's fixes: the 200 is committed only with the first
 * token; a failure before it is an HTTP error; after it, the contract's marker and a clean end;
 * after the finish reason, nothing can turn a complete answer into an error.
 */
export async function relay(
  res: ServerResponse,
  contract: Contract,
  request: ParsedRequest,
  context: RelayContext,
): Promise<void> {
  const { config, adapter } = context;
  const bugs = config.bugs;
  const model = config.model ?? request.model ?? "default";
  const down = new Downstream(res, contract.renderer(model), {
    antiBuffering: !bugs.has("no-anti-buffering-headers"),
    keepaliveMs: bugs.has("no-keepalive") ? undefined : config.keepaliveMs,
  });
  const trace = Math.random().toString(36).slice(2, 10);
  const report = (level: Level, message: string, fields: Fields = {}) => {
    if (!bugs.has("silent-errors")) log(level, message, { trace, provider: adapter.name, ...fields });
  };

  const cancel = new AbortController();
  let cancelled: "client" | "superseded" | undefined;
  res.on("close", () => {
    if (down.endedByServer || cancelled !== undefined) return;
    if (bugs.has("no-upstream-cancel")) {
      log("WARN", "client disconnected, upstream left running", { trace });
      return;
    }
    cancelled = "client";
    cancel.abort();
    log("WARN", "client disconnected, upstream cancelled", { trace });
  });

  const sessionId = request.sessionId;
  const self: ActiveStream = {
    supersede() {
      if (down.ended) return;
      cancelled = "superseded";
      cancel.abort();
      log("WARN", "stream superseded by a newer request on its session, upstream cancelled", {
        trace,
        session: sessionId,
      });
      if (down.committed) down.marker("superseded");
      else down.jsonError(409, { message: "superseded", type: "upstream_error", code: "superseded" });
    },
  };
  let channel: ReturnType<SessionChannels["join"]> | undefined;
  if (sessionId !== undefined) {
    if (bugs.has("no-session-cancel")) channel = context.channels.join(sessionId, down);
    else context.sessions.claim(sessionId, self);
  }
  const deliver = (text: string) => (channel ? channel.publish(text) : down.token(text));

  // Bug `headers-before-first-chunk` (incidents 002 and 000 issue 1): the status is fixed before
  // anyone knows whether the provider will answer.
  if (bugs.has("headers-before-first-chunk")) down.commit();

  // The provider accepted the request but its first token is slow (long thinking, a queue): past one
  // keepalive interval, commit the 200 so keepalives can flow, or a proxy's read timeout (nginx's
  // proxy_read_timeout, incident 001) cuts the client off before any token. Failures that come
  // fast (HTTP errors, an immediate in-band error) still become HTTP errors.
  let slowFirstToken: NodeJS.Timeout | undefined;
  const commitWhenSlow = () => {
    if (bugs.has("no-keepalive") || down.committed) return;
    slowFirstToken = setTimeout(() => down.commit(), config.keepaliveMs);
  };

  const promptText = request.messages.map((m) => m.content).join("\n");
  const call = adapter.buildCall(config.baseUrl, config.apiKey, {
    model,
    messages: request.messages,
    maxTokens: request.maxTokens ?? 1024,
    includeUsage: config.streamOptions || bugs.has("stream-options-always"),
  });

  let answer = "";
  let finishReason: string | undefined;
  let terminated = false;
  let upstreamUsage: { inputTokens: number; outputTokens: number } | undefined;
  let afterFinish: string | undefined;
  try {
    for await (const event of streamUpstream({
      adapter,
      call,
      signal: cancel.signal,
      timeoutMs: bugs.has("no-upstream-timeout") ? undefined : config.upstreamTimeoutMs,
      naiveSplit: bugs.has("naive-sse-split"),
      crashOnMalformed: bugs.has("crash-on-malformed"),
    })) {
      if (event.type === "open") {
        commitWhenSlow();
      } else if (event.type === "token") {
        clearTimeout(slowFirstToken);
        answer += event.text;
        deliver(event.text);
      } else if (event.type === "finish") {
        finishReason ??= event.reason;
      } else if (event.type === "usage") {
        upstreamUsage = { inputTokens: event.inputTokens, outputTokens: event.outputTokens };
      } else if (event.type === "error") {
        throw new UpstreamFailure("stream", `upstream error event: ${event.message}`);
      } else {
        terminated = true;
        break;
      }
    }
    if (finishReason === undefined) {
      throw new UpstreamFailure("truncated", "upstream stream ended without a finish reason");
    }
    if (!terminated && adapter.hasTerminator) afterFinish = "upstream stream ended without its terminator";
  } catch (error) {
    if (cancelled !== undefined) return finish();
    const failure =
      error instanceof UpstreamFailure ? error : new UpstreamFailure("transport", describeUnknown(error));
    if (finishReason === undefined) {
      fail(failure);
      return finish();
    }
    afterFinish = failure.message;
  }

  if (afterFinish !== undefined) {
    if (bugs.has("cleanup-error-marker")) {
      // Bug `cleanup-error-marker` (incident 000 issue 3): a cleanup error after a complete answer
      // becomes `<!--STREAM_ERROR:…-->` on screen.
      report("ERROR", "upstream failed during cleanup", { cause: afterFinish });
      down.marker(afterFinish);
      return finish();
    }
    report("WARN", "upstream problem after the finish reason, answer was complete", { cause: afterFinish });
  }

  const reason = finishReason ?? "stop";
  const accounting = () => {
    const usage = account({
      upstreamUsage,
      promptText,
      answerText: answer,
      requireUpstreamUsage: bugs.has("accounting-failure"),
    });
    log("INFO", "usage", {
      trace,
      input: usage.inputTokens,
      output: usage.outputTokens,
      source: usage.source,
    });
    return usage;
  };
  if (bugs.has("accounting-failure")) {
    // Bug `accounting-failure` (incident 002): accounting sits inside the stream's try, before the
    // done signal, so its failure lands in the stream's error handler after a complete answer.
    try {
      const usage = accounting();
      down.done(reason, usage.outputTokens);
    } catch (error) {
      log("ERROR", "streaming chat completion failed", { trace, cause: describeUnknown(error) });
      down.marker(describeUnknown(error));
    }
    return finish();
  }
  down.done(reason, upstreamUsage?.outputTokens ?? estimateTokens(answer));
  try {
    accounting();
  } catch (error) {
    log("ERROR", "accounting failed; the response was already complete", {
      trace,
      cause: describeUnknown(error),
    });
  }
  return finish();

  function fail(failure: UpstreamFailure): void {
    report(
      "ERROR",
      down.committed ? "upstream failed mid-stream" : "upstream failed before the first token",
      {
        kind: failure.kind,
        status: failure.status,
        cause: failure.message,
      },
    );
    if (!down.committed) {
      const mapped = preStreamErrors[failure.kind];
      const status = failure.status === 429 ? 429 : mapped.status;
      const error: JsonError = {
        message: failure.message,
        type: "upstream_error",
        code: failure.status === undefined ? mapped.code : `upstream_http_${failure.status}`,
      };
      down.jsonError(
        status,
        error,
        failure.retryAfter === undefined ? {} : { "retry-after": failure.retryAfter },
      );
      return;
    }
    if (bugs.has("raise-mid-stream")) {
      // Bug `raise-mid-stream` (incident 000 issue 2): the exception escapes the generator and
      // the server drops the connection without the chunked terminator.
      down.destroy();
      return;
    }
    down.marker(failure.message);
  }

  function finish(): void {
    clearTimeout(slowFirstToken);
    channel?.leave();
    if (sessionId !== undefined) context.sessions.release(sessionId, self);
  }
}

function describeUnknown(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
