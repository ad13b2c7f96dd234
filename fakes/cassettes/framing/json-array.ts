import { type FramedEvent, jsonType, parseJson } from "./framed-event.ts";

const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Splits a JSON array streamed element by element (Gemini `streamGenerateContent` without
 * `alt=sse`, wire-formats.md A4) into one event per element, its leading `[` or `,\r\n` included,
 * and a last event "end" for the closing `]`. The structural bytes are ASCII, so scanning bytes is
 * safe inside UTF-8. A body cut inside an element ends with that element, complete=false.
 */
export function splitJsonArray(body: Buffer): FramedEvent[] {
  const events: FramedEvent[] = [];
  let i = skipSpace(body, 0);
  if (body[i] !== OPEN_ARRAY) return [];
  i++;
  let start = 0;
  for (;;) {
    i = skipSpace(body, i);
    if (i >= body.length) break;
    if (body[i] === COMMA) {
      i++;
      continue;
    }
    if (body[i] === CLOSE_ARRAY) {
      events.push({ offset: start, length: body.length - start, complete: true, type: "end", data: "]" });
      return events;
    }
    const end = valueEnd(body, i);
    const data = body.toString("utf8", i, end < 0 ? body.length : end);
    const json = parseJson(data);
    events.push({
      offset: start,
      length: (end < 0 ? body.length : end) - start,
      complete: end >= 0,
      type: jsonType(json, "element"),
      data,
      ...(json === undefined ? {} : { json }),
    });
    if (end < 0) return events;
    start = i = end;
  }
  // Cut between elements: the separator read so far, with no element after it.
  if (start < body.length) {
    events.push({ offset: start, length: body.length - start, complete: false, type: "separator", data: "" });
  }
  return events;
}

function skipSpace(body: Buffer, i: number): number {
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09))
    i++;
  return i;
}

/** The index just past the JSON value starting at `i`, or -1 when the body ends inside it. */
function valueEnd(body: Buffer, i: number): number {
  let depth = 0;
  let inString = false;
  for (let at = i; at < body.length; at++) {
    const b = body[at]!;
    if (inString) {
      if (b === BACKSLASH) at++;
      else if (b === QUOTE) {
        inString = false;
        if (depth === 0) return at + 1;
      }
      continue;
    }
    if (b === QUOTE) inString = true;
    else if (b === 0x7b || b === OPEN_ARRAY) depth++;
    else if (b === 0x7d || b === CLOSE_ARRAY) {
      if (depth === 0) return at;
      depth--;
      if (depth === 0) return at + 1;
    } else if (depth === 0 && (b === COMMA || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09))
      return at;
  }
  return -1;
}
