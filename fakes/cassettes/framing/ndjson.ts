import { sampleObject } from "../../providers/shared.ts";
import { type FramedEvent, jsonType, parseJson } from "./framed-event.ts";

const LF = 0x0a;

/**
 * Splits an NDJSON body (Ollama, wire-formats.md A6) into its lines with byte offsets: one event
 * per `\n`-terminated line (a `\r` before it stays part of the line). Blank lines belong to the line
 * before them; a last line with no newline is returned with complete=false.
 */
export function splitNdjson(body: Buffer): FramedEvent[] {
  const events: FramedEvent[] = [];
  let pos = 0;
  while (pos < body.length) {
    const newline = body.indexOf(LF, pos);
    const end = newline < 0 ? body.length : newline + 1;
    const text = body.toString("utf8", pos, newline < 0 ? body.length : newline).replace(/\r$/, "");
    if (text.trim() === "" && events.length > 0 && newline >= 0) {
      const last = events[events.length - 1]!;
      last.length = end - last.offset;
    } else {
      const json = parseJson(text);
      const done = sampleObject(json)?.done === true;
      const type = json === undefined ? "text" : jsonType(json, done ? "done" : "line");
      events.push({
        offset: pos,
        length: end - pos,
        complete: newline >= 0,
        type,
        data: text,
        ...(json === undefined ? {} : { json }),
      });
    }
    pos = end;
  }
  return events;
}
