import { createParser, type EventSourceParser } from "eventsource-parser";
import type { ProbeObservation, SseEventView } from "../observation.ts";

type SseView = ProbeObservation["sse"];

/**
 * UTF-8 text of the body, decoded as it arrives. The streaming decoder keeps a multibyte character
 * split across two reads whole (a browser's TextDecoderStream does the same); `ignoreBOM` keeps a
 * leading BOM in the text so the view is faithful to the bytes.
 */
export class BodyText {
  readonly #decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly #pieces: string[] = [];

  push(bytes: Buffer): string {
    const text = this.#decoder.decode(bytes, { stream: true });
    if (text) this.#pieces.push(text);
    return text;
  }

  /** Flushes an incomplete trailing sequence as U+FFFD. */
  finish(): string {
    const text = this.#decoder.decode();
    if (text) this.#pieces.push(text);
    return text;
  }

  text(): string {
    return this.#pieces.join("");
  }
}

/**
 * The SSE view as eventsource-parser sees it, fed live so each event carries the arrival time of the
 * read that completed it (the parser dispatches synchronously inside `feed`).
 */
export class SseRecorder {
  readonly events: SseEventView[] = [];
  readonly comments: Array<{ t: number; text: string }> = [];
  readonly errors: string[] = [];
  retry: number | undefined;
  #t = 0;
  readonly #parser: EventSourceParser;

  constructor(private readonly onEvent?: (count: number) => void) {
    this.#parser = createParser({
      onEvent: (message) => {
        const view: SseEventView = { t: this.#t, data: message.data };
        if (message.event !== undefined) view.event = message.event;
        if (message.id !== undefined) view.id = message.id;
        this.events.push(view);
        this.onEvent?.(this.events.length);
      },
      onComment: (text) => this.comments.push({ t: this.#t, text }),
      onRetry: (retry) => {
        this.retry = retry;
      },
      onError: (error) => this.errors.push(`${error.type}: ${error.message}`),
    });
  }

  feed(text: string, t: number): void {
    if (!text) return;
    this.#t = t;
    try {
      this.#parser.feed(text);
    } catch (error) {
      // A terminated parser throws on feed; the probe must keep recording whatever the body holds.
      this.errors.push(`feed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  view(fullText: string, applied: boolean): SseView {
    if (!applied) return { events: [], comments: [], errors: [], applied: false };
    const view: SseView = {
      events: this.events,
      comments: this.comments,
      errors: this.errors,
      applied: true,
    };
    if (this.retry !== undefined) view.retry = this.retry;
    const tail = unterminatedTail(fullText);
    if (tail !== undefined) view.unterminatedTail = tail;
    return view;
  }
}

/**
 * The text after the last blank line, when it holds a field line: the event the parser (and a
 * browser, per WHATWG "at end of stream an incomplete event is discarded") silently dropped.
 * Lines end in CRLF, LF or CR; a CR as the very last character is not counted as a line end,
 * because eventsource-parser holds it back waiting for a possible LF and so never dispatches on it.
 */
export function unterminatedTail(text: string): string | undefined {
  let lineStart = 0;
  let afterLastBlank = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) {
      if (c === 0x0d && i === text.length - 1) break;
      const end = c === 0x0d && text.charCodeAt(i + 1) === 0x0a ? i + 2 : i + 1;
      if (i === lineStart) afterLastBlank = end;
      lineStart = end;
      i = end;
    } else {
      i++;
    }
  }
  const tail = text.slice(afterLastBlank);
  const hasField = tail
    .split(/\r\n|\r|\n/)
    .some((line) => line.replace(/^\uFEFF/, "").length > 0 && !line.startsWith(":"));
  return hasField ? tail : undefined;
}

export function isEventStream(contentType: string | undefined): boolean {
  return contentType?.split(";")[0]?.trim().toLowerCase() === "text/event-stream";
}
