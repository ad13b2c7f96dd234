import { type FramedEvent, jsonType, parseJson } from "./framed-event.ts";
import { splitJsonArray } from "./json-array.ts";
import { splitNdjson } from "./ndjson.ts";
import { splitSse } from "./sse.ts";

/** How a body is cut into events: SSE, NDJSON lines, a streamed JSON array, or one piece. */
export type Framing = "sse" | "ndjson" | "json-array" | "whole";

const splitters: Record<Framing, (body: Buffer) => FramedEvent[]> = {
  sse: splitSse,
  ndjson: splitNdjson,
  "json-array": splitJsonArray,
  whole: splitWhole,
};

const NDJSON_TYPES = new Set([
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
  "application/x-jsonlines",
]);

/**
 * The framing of a body: its content type says SSE or NDJSON outright; anything else (JSON, text,
 * none at all in a raw capture) is decided by the bytes.
 */
export function framingOf(contentType: string | undefined, body: Buffer): Framing {
  const mime = contentType === undefined ? undefined : contentType.split(";")[0]!.trim().toLowerCase();
  if (mime === "text/event-stream") return "sse";
  if (mime !== undefined && NDJSON_TYPES.has(mime)) return "ndjson";
  return sniffFraming(body);
}

/** Reads the framing off the bytes: SSE field lines, a `[`, or several lines that each parse as JSON. */
export function sniffFraming(body: Buffer): Framing {
  const head = body.toString("utf8", 0, Math.min(body.length, 64 * 1024)).replace(/^\uFEFF/, "");
  const first = head.trimStart();
  if (/^(data|event|id|retry)\s*:|^:/.test(first)) return "sse";
  if (first.startsWith("[")) return "json-array";
  const lines = head.split("\n").filter((line) => line.trim() !== "");
  // The last line may be cut short by the 64 KiB window: judge the ones before it.
  const judged = lines.length > 2 ? lines.slice(0, -1) : lines;
  if (judged.length >= 2 && judged.every((line) => parseJson(line) !== undefined)) return "ndjson";
  return "whole";
}

export function splitBody(framing: Framing, body: Buffer): FramedEvent[] {
  const events = splitters[framing](body);
  // A body that does not parse as what it claims is still one piece a replay can send.
  return events.length === 0 && body.length > 0 ? splitWhole(body) : events;
}

function splitWhole(body: Buffer): FramedEvent[] {
  if (body.length === 0) return [];
  const data = body.toString("utf8");
  const json = parseJson(data);
  return [
    {
      offset: 0,
      length: body.length,
      complete: true,
      type: jsonType(json, "body"),
      data,
      ...(json === undefined ? {} : { json }),
    },
  ];
}
