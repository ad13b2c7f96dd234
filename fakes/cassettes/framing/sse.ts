import { type FramedEvent, jsonType, parseJson } from "./framed-event.ts";

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits an SSE body into its events with byte offsets, as the WHATWG parser frames them
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR, a blank line ends an event, a line starting with ":" is a comment.
 * A comment-only block (a keepalive such as `: OPENROUTER PROCESSING`) is an event here, type
 * "comment": it is a write boundary a replay must keep. A final block with no blank line is
 * returned with complete=false (a browser would drop it).
 */
export function splitSse(body: Buffer): FramedEvent[] {
  const events: FramedEvent[] = [];
  let blockStart = 0;
  let lines: string[] = [];
  let pos = 0;
  while (pos < body.length) {
    let end = pos;
    while (end < body.length && body[end] !== LF && body[end] !== CR) end++;
    if (end === body.length) break;
    const next = body[end] === CR && body[end + 1] === LF ? end + 2 : end + 1;
    if (end > pos) lines.push(body.toString("utf8", pos, end));
    else if (lines.length > 0) {
      events.push(sseEvent(lines, blockStart, next, true));
      lines = [];
      blockStart = next;
    } else if (events.length > 0) {
      // A stray blank line: it belongs to the event it follows.
      const last = events[events.length - 1]!;
      last.length = next - last.offset;
      blockStart = next;
    }
    pos = next;
  }
  if (pos < body.length) lines.push(body.toString("utf8", pos));
  if (blockStart < body.length) events.push(sseEvent(lines, blockStart, body.length, false));
  return events;
}

function sseEvent(lines: string[], start: number, end: number, complete: boolean): FramedEvent {
  const data: string[] = [];
  const comments: string[] = [];
  let name: string | undefined;
  for (const line of lines) {
    if (line.startsWith(":")) {
      comments.push(line.slice(1).replace(/^ /, ""));
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "data") data.push(value);
    else if (field === "event") name = value;
  }
  const base = { offset: start, length: end - start, complete };
  if (data.length === 0 && name === undefined) {
    // Comments only (a keepalive), nothing at all, or only fields a parser ignores (id, retry, junk).
    const type = comments.length > 0 ? "comment" : lines.length === 0 ? "blank" : "ignored";
    return { ...base, type, data: comments.join("\n"), ...(comments.length > 0 ? { comment: true } : {}) };
  }
  const text = data.join("\n");
  const json = parseJson(text);
  const type = name ?? (text === "[DONE]" ? "[DONE]" : jsonType(json, "message"));
  return {
    ...base,
    type,
    data: text,
    ...(name === undefined ? {} : { event: name }),
    ...(json === undefined ? {} : { json }),
  };
}
