import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { LOOPBACK } from "../../lib/net.ts";

/** What the backend sent upstream, and whether it hung up while the upstream was still answering. */
export interface UpstreamCall {
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: Record<string, unknown>;
  /** Set when the backend closed the connection before the script ended the response. */
  closedEarlyAt: number | undefined;
  /** Resolves when the backend closes the connection early (never resolves otherwise). */
  closedEarly: Promise<number>;
  /** Resolves when the response ended, normally or not. */
  settled: Promise<void>;
}

export type Script = (res: ServerResponse, call: UpstreamCall) => Promise<void> | void;

/**
 * A minimal in-test provider: each test scripts the exact bytes. The real fakes live in fakes/;
 * this one only needs to be byte-exact and to notice when the backend hangs up.
 */
export class ScriptedUpstream implements AsyncDisposable {
  script: Script = (res) => {
    res.writeHead(500).end();
  };
  readonly calls: UpstreamCall[] = [];
  #waiters: Array<() => void> = [];

  private constructor(
    readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<ScriptedUpstream> {
    const server = createServer();
    server.listen(0, LOOPBACK);
    await once(server, "listening");
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no address");
    const upstream = new ScriptedUpstream(server, `http://${LOOPBACK}:${address.port}`);
    server.on("request", (req, res) => void upstream.#handle(req, res));
    return upstream;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    let resolveClosed: (t: number) => void = () => {};
    let resolveSettled: () => void = () => {};
    const call: UpstreamCall = {
      url: req.url ?? "",
      headers: req.headers,
      body,
      json: safeJson(body),
      closedEarlyAt: undefined,
      closedEarly: new Promise((resolve) => {
        resolveClosed = resolve;
      }),
      settled: new Promise((resolve) => {
        resolveSettled = resolve;
      }),
    };
    let scriptDone = false;
    res.on("close", () => {
      if (!res.writableFinished && !scriptDone) {
        call.closedEarlyAt = performance.now();
        resolveClosed(call.closedEarlyAt);
      }
      resolveSettled();
    });
    this.calls.push(call);
    for (const wake of this.#waiters.splice(0)) wake();
    try {
      await this.script(res, call);
    } catch {
      // Writes after the backend hung up: the close was recorded above.
    } finally {
      scriptDone = true;
    }
  }

  /** Waits until `count` calls arrived. */
  async waitForCalls(count: number, timeoutMs = 5000): Promise<UpstreamCall> {
    const deadline = Date.now() + timeoutMs;
    while (this.calls.length < count) {
      if (Date.now() > deadline)
        throw new Error(`upstream saw ${this.calls.length} calls, expected ${count}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.calls[count - 1]!;
  }

  reset(script: Script): void {
    this.calls.length = 0;
    this.script = script;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Writes and waits for the bytes to reach the socket (one write ≈ one TCP segment on loopback). */
export function write(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (res.destroyed) return reject(new Error("destroyed"));
    res.write(text, (error) => (error ? reject(error) : resolve()));
  });
}

export function sseHead(res: ServerResponse, headers: Record<string, string> = {}): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", ...headers });
  res.flushHeaders();
}

/** OpenAI chat.completion.chunk events, wire-formats A1. */
export const openai = {
  token: (text: string) =>
    `data: ${JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: { content: text }, finish_reason: null }] })}\n\n`,
  finish: (reason = "stop") =>
    `data: ${JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta: {}, finish_reason: reason }] })}\n\n`,
  usage: (prompt = 10, completion = 5) =>
    `data: ${JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m", choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } })}\n\n`,
  error: (message = "The server had an error while processing your request. Sorry about that!") =>
    `data: {"error": {"message": ${JSON.stringify(message)}, "type": "server_error"}}\n\n`,
  done: "data: [DONE]\n\n",
};

/** Anthropic Messages events with the real stream's whitespace padding, wire-formats A3. */
export const anthropic = {
  start: `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":18,"output_tokens":1}}       }\n\nevent: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}     }\n\n`,
  ping: `event: ping\ndata: {"type": "ping"}\n\n`,
  token: (text: string) =>
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}} }\n\n`,
  finish: `event: content_block_stop\ndata: {"type":"content_block_stop","index":0             }\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":9}     }\n\n`,
  stop: `event: message_stop\ndata: {"type":"message_stop"       }\n\n`,
  error: `event: error\ndata: {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}\n\n`,
};

/** Gemini alt=sse events: CRLF framing, finishReason on the last chunk, no terminator (wire-formats A4). */
export const gemini = {
  token: (text: string) =>
    `data: {"candidates": [{"content": {"parts": [{"text": ${JSON.stringify(text)}}],"role": "model"}}],"modelVersion": "gemini-2.0-flash"}\r\n\r\n`,
  finish: (text: string) =>
    `data: {"candidates": [{"content": {"parts": [{"text": ${JSON.stringify(text)}}],"role": "model"},"finishReason": "STOP"}],"usageMetadata": {"promptTokenCount": 10,"candidatesTokenCount": 2,"totalTokenCount": 12}}\r\n\r\n`,
  error: `data: {"error": {"code": 503,"message": "The model is overloaded. Please try again later.","status": "UNAVAILABLE"}}\r\n\r\n`,
};

/**
 * An OpenAI stream of 8 tokens `${tag}0 `..`${tag}7 `, `intervalMs` apart, where the tag is the first
 * message's content: which request a token belongs to shows in the token itself (session reuse, H7).
 */
export function taggedTokenStream(intervalMs: number): Script {
  return async (res, call) => {
    const tag = (call.json.messages as Array<{ content: string }>)[0]!.content;
    sseHead(res);
    for (let i = 0; i < 8; i++) {
      await write(res, openai.token(`${tag}${i} `));
      await sleep(intervalMs);
    }
    await write(res, openai.finish());
    res.end(openai.done);
  };
}
