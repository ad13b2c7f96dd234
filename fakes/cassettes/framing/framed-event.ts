import { sampleObject } from "../../providers/shared.ts";
import type { EventSample } from "../../types.ts";

/**
 * One event of a body, where its bytes sit. The events of a body tile it: each starts where the
 * previous one ended, stray blank lines belong to the event before them, so "after event n" is one
 * byte offset (`offset + length`) a fault can be placed at.
 */
export interface FramedEvent extends EventSample {
  offset: number;
  /** Bytes, framing included (the blank line, the newline, the array separator). */
  length: number;
  /** Its framing ended (blank line, newline, array element): false for a body cut inside it. */
  complete: boolean;
  /** What to call it: the SSE event name, the JSON `type`, "[DONE]", "comment", "error", ... */
  type: string;
}

/** A JSON text's value, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The label of a JSON payload: its `type`, "error" when it carries one, else `fallback`. */
export function jsonType(json: unknown, fallback: string): string {
  const o = sampleObject(json);
  if (typeof o?.type === "string") return o.type;
  if (o && "error" in o) return "error";
  return fallback;
}
