import { createParser } from "eventsource-parser";
import type { SseEvent } from "./types.ts";

/** Turns upstream bytes into SSE events. */
export interface SseReader {
  feed(chunk: Uint8Array): SseEvent[];
  /** At a clean end of the body: the events still pending. */
  end(): SseEvent[];
}

/**
 * The correct reader: eventsource-parser handles CRLF and bare CR (Gemini frames events with
 * `\r\n\r\n`), comments (`: OPENROUTER PROCESSING`) and events split across TCP reads. A final
 * event without its blank line is dropped, as the WHATWG spec says (wire-formats B5).
 */
export function spec(): SseReader {
  const decoder = new TextDecoder();
  let pending: SseEvent[] = [];
  const parser = createParser({
    onEvent: (message) => pending.push({ event: message.event, data: message.data }),
  });
  return {
    feed(chunk) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      const events = pending;
      pending = [];
      return events;
    },
    end() {
      parser.feed(`${decoder.decode()}\n\n`);
      const events = pending;
      pending = [];
      return events;
    },
  };
}

/**
 * Bug `naive-sse-split`: the hand-rolled parser of incident 001. Each read is split on "\n\n" and
 * whatever follows the last separator is thrown away instead of carried into the next read, so an
 * event split across reads is lost, and CRLF framing (no "\n\n" anywhere) loses every event.
 */
export function naive(): SseReader {
  return {
    feed(chunk) {
      const parts = Buffer.from(chunk).toString("utf8").split("\n\n");
      parts.pop();
      const events: SseEvent[] = [];
      for (const part of parts) {
        let event: string | undefined;
        const data: string[] = [];
        for (const line of part.split("\n")) {
          if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
          else if (line.startsWith("event:")) event = line.slice(6).trim();
        }
        if (data.length > 0) events.push({ event, data: data.join("\n") });
      }
      return events;
    },
    end: () => [],
  };
}
