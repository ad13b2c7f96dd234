import type { ChatMessage } from "../upstream/types.ts";

/** What a client asked for, whatever contract it spoke. */
export interface ParsedRequest {
  messages: ChatMessage[];
  model: string | undefined;
  maxTokens: number | undefined;
  sessionId: string | undefined;
}

/** How one downstream contract frames a stream. Each string is one SSE event, written on its own. */
export interface Renderer {
  /** Events written once, right after the 200 is committed. */
  open(): string[];
  token(text: string): string;
  /** The normal end: finish reason in OpenAI's vocabulary, output tokens for contracts that report them. */
  done(finishReason: string, outputTokens: number): string[];
  /** The in-stream error marker; the response ends right after it. */
  marker(message: string): string;
}

export interface Contract {
  readonly name: string;
  /** Throws `BadRequest` when the body is not this contract's request. */
  parseRequest(body: unknown): ParsedRequest;
  renderer(model: string): Renderer;
}

export class BadRequest extends Error {
  override name = "BadRequest";
}

export function sse(data: unknown, event?: string): string {
  return `${event === undefined ? "" : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new BadRequest(`"${key}" must be a string`);
  return value;
}

export function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new BadRequest(`"${key}" must be a positive integer`);
  }
  return value;
}

export function object(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequest("the request body must be a JSON object");
  }
  return body as Record<string, unknown>;
}

/** Chat messages whose content is a string or (Anthropic) an array of text blocks. */
export function messages(body: Record<string, unknown>): ChatMessage[] {
  const list = body.messages;
  if (!Array.isArray(list) || list.length === 0) throw new BadRequest('"messages" must be a non-empty array');
  return list.map((raw, index) => {
    const message = object(raw);
    const role = message.role;
    if (role !== "system" && role !== "user" && role !== "assistant") {
      throw new BadRequest(`messages[${index}].role must be system, user or assistant`);
    }
    const content = message.content;
    if (typeof content === "string") return { role, content };
    if (Array.isArray(content)) {
      const text = content
        .map((block) =>
          typeof block === "object" && block !== null ? (block as { text?: unknown }).text : "",
        )
        .filter((t): t is string => typeof t === "string")
        .join("");
      return { role, content: text };
    }
    throw new BadRequest(`messages[${index}].content must be a string or an array of text blocks`);
  });
}
