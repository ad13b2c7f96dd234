import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { createParser } from "eventsource-parser";
import { emptyView, isRecord, parseJson } from "../../harness/contracts/contract.ts";
import { defineContract } from "../../harness/contracts/index.ts";
import { LOOPBACK, reservePort } from "../../lib/net.ts";

/**
 * A streaming relay of the kind a team writes in an afternoon, small enough to read in a test:
 * it takes `{message}` or OpenAI's `{messages}` (a session_id is ignored: it has no sessions), asks an OpenAI-compatible provider at
 * http://127.0.0.1:{providerPort}/v1 (where the lane puts hop C) and relays the tokens in one of
 * three framings. Each option reproduces one behaviour the verdicts must get right.
 */
export interface TinyRelayOptions {
  /** SSE OpenAI chunks (openai-relay), text/plain with incident 000's marker (text-marker), or NDJSON. */
  framing: "sse" | "text" | "ndjson";
  /** The provider gets a fixed prompt, not the user's message: no provider call can be matched to a request. */
  rewritePrompt?: boolean;
  /** Hold the whole answer and send it once the provider finished (a relay that does not stream). */
  bufferAnswer?: boolean;
  /** Abort the provider call when the client leaves (default true). */
  cancelOnDisconnect?: boolean;
  /** Write `: keepalive` (SSE) whenever nothing was written for this long. */
  keepaliveMs?: number;
  /**
   * After the stream started, a provider failure just ends the response (a clean end, no error
   * marker): what a relay that forgot the failure path does.
   */
  noMarkerOnFailure?: boolean;
  /** Told each message as its request arrives: a test's event to act on. */
  onMessage?: (message: string) => void;
}

export interface TinyRelay extends AsyncDisposable {
  url: string;
  /** The port the relay's provider base URL points at: give it to the config as `providerPort`. */
  providerPort: number;
}

export async function startTinyRelay(options: TinyRelayOptions): Promise<TinyRelay> {
  const providerPort = await reservePort();
  const provider = `http://${LOOPBACK}:${providerPort}/v1`;
  const server = createServer(async (req, res) => {
    if (req.url === "/health") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      return;
    }
    let raw = "";
    for await (const piece of req) raw += String(piece);
    // GET /stream?q=...: the endpoint a page opens with EventSource.
    const message =
      req.method === "GET"
        ? (new URL(req.url ?? "/", "http://relay").searchParams.get("q") ?? "")
        : userMessage(parseJson(raw));
    options.onMessage?.(message);
    const upstreamAbort = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished && options.cancelOnDisconnect !== false) upstreamAbort.abort();
    });
    try {
      await relay(
        res,
        options,
        provider,
        options.rewritePrompt ? "Say hello" : message,
        upstreamAbort.signal,
      );
    } catch (error) {
      if (upstreamAbort.signal.aborted) return;
      const text = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" }).end(JSON.stringify({ error: text }));
      } else {
        res.end(options.noMarkerOnFailure ? "" : frame(options.framing, "error", text));
      }
    }
  });
  server.listen(0, LOOPBACK);
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://${LOOPBACK}:${port}`,
    providerPort,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function userMessage(body: unknown): string {
  if (!isRecord(body)) return "";
  if (typeof body.message === "string") return body.message;
  const last = Array.isArray(body.messages) ? body.messages.at(-1) : undefined;
  return isRecord(last) && typeof last.content === "string" ? last.content : "";
}

async function relay(
  res: ServerResponse,
  options: TinyRelayOptions,
  provider: string,
  message: string,
  signal: AbortSignal,
): Promise<void> {
  const upstream = await fetch(`${provider}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      stream: true,
      messages: [{ role: "user", content: message }],
    }),
    signal,
  });
  if (!upstream.ok || !upstream.body) throw new Error(`provider answered ${upstream.status}`);
  res.writeHead(200, {
    "content-type": CONTENT_TYPE[options.framing],
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
  });
  let lastWrite = Date.now();
  let held = "";
  const write = (text: string) => {
    lastWrite = Date.now();
    if (options.bufferAnswer) held += text;
    else res.write(text);
  };
  const keepalive =
    options.keepaliveMs && options.framing === "sse"
      ? setInterval(
          () => {
            if (Date.now() - lastWrite >= options.keepaliveMs!) write(": keepalive\n\n");
          },
          Math.max(10, options.keepaliveMs / 4),
        )
      : undefined;
  let done = false;
  const parser = createParser({
    onEvent: (event) => {
      if (event.data === "[DONE]") {
        done = true;
        return;
      }
      const json = parseJson(event.data);
      const choice = isRecord(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
      const content = isRecord(choice) && isRecord(choice.delta) ? choice.delta.content : undefined;
      if (typeof content === "string" && content) write(frame(options.framing, "delta", content));
    },
  });
  try {
    const decoder = new TextDecoder();
    for await (const bytes of upstream.body) parser.feed(decoder.decode(bytes, { stream: true }));
  } finally {
    clearInterval(keepalive);
  }
  if (!done) throw new Error("the provider stream ended without [DONE]");
  res.end(held + frame(options.framing, "done", ""));
}

const CONTENT_TYPE = {
  sse: "text/event-stream",
  text: "text/plain; charset=utf-8",
  ndjson: "application/x-ndjson",
} as const;

function frame(framing: TinyRelayOptions["framing"], kind: "delta" | "done" | "error", text: string): string {
  if (framing === "sse") {
    if (kind === "done") return "data: [DONE]\n\n";
    if (kind === "error") return `data: ${JSON.stringify({ error: { message: text } })}\n\n`;
    return `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: text } }] })}\n\n`;
  }
  if (framing === "text") {
    if (kind === "done") return "";
    return kind === "error" ? `\n\n<!--STREAM_ERROR:${text}-->` : text;
  }
  if (kind === "done") return `${JSON.stringify({ type: "done" })}\n`;
  if (kind === "error") return `${JSON.stringify({ type: "error", message: text })}\n`;
  return `${JSON.stringify({ type: "delta", content: text })}\n`;
}

/** The NDJSON relay's contract, as a user would write it with defineContract: one JSON object per line. */
export const ndjsonContract = defineContract({
  name: "tiny-ndjson",
  description: 'NDJSON lines {"type":"delta"|"done"|"error"}',
  framing: "ndjson",
  request: ({ message, sessionId }) => ({
    method: "POST",
    path: "/chat",
    headers: { "content-type": "application/json", accept: "application/x-ndjson" },
    body: { message, ...(sessionId ? { session_id: sessionId } : {}) },
  }),
  interpret: (observation) => {
    const view = emptyView();
    let pending = "";
    const decoder = new TextDecoder();
    for (const read of observation.bodyReads) {
      pending += decoder.decode(read.bytes, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) {
        const json = parseJson(line);
        if (!isRecord(json)) view.malformed.push(line);
        else if (json.type === "delta" && typeof json.content === "string")
          view.tokens.push({ t: read.t, text: json.content });
        else if (json.type === "done") view.done = { t: read.t, raw: line };
        else if (json.type === "error")
          view.errorMarker = { t: read.t, message: String(json.message), raw: line };
      }
    }
    view.text = view.tokens.map((token) => token.text).join("");
    return view;
  },
});
