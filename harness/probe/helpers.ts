import type { ProbeObservation, SseEventView } from "./observation.ts";

/** Every value of a response header, case-insensitively, in wire order. */
export function headerValues(obs: Pick<ProbeObservation, "response">, name: string): string[] {
  const wanted = name.toLowerCase();
  return (obs.response?.headers ?? []).filter(([n]) => n.toLowerCase() === wanted).map(([, v]) => v);
}

/** A response header case-insensitively; repeated fields are joined with ", " (RFC 9110 §5.3). */
export function headerValue(obs: Pick<ProbeObservation, "response">, name: string): string | undefined {
  const values = headerValues(obs, name);
  return values.length === 0 ? undefined : values.join(", ");
}

/**
 * Bytes as a JSON string literal so CR, LF and NUL are visible in evidence:
 * `"data: x\n\n"` for short input, `…"\r\n0\r\n" (last 6 of 9000 bytes)` when cut.
 */
export function describeBytes(buf: Buffer | undefined, max = 200, from: "tail" | "head" = "tail"): string {
  if (!buf || buf.length === 0) return '"" (0 bytes)';
  if (buf.length <= max) return JSON.stringify(buf.toString("utf8"));
  const part = from === "tail" ? buf.subarray(buf.length - max) : buf.subarray(0, max);
  const literal = JSON.stringify(part.toString("utf8"));
  return from === "tail"
    ? `…${literal} (last ${max} of ${buf.length} bytes)`
    : `${literal}… (first ${max} of ${buf.length} bytes)`;
}

/** SSE events that arrived at or after `t` (e.g. after the probe hung up, or after a fault fired). */
export function sseEventsAfter(obs: Pick<ProbeObservation, "sse">, t: number): SseEventView[] {
  return obs.sse.events.filter((e) => e.t >= t);
}

/** Milliseconds between successive body reads: a buffering proxy shows one big gap then a burst. */
export function bodyReadGaps(obs: Pick<ProbeObservation, "bodyReads">): number[] {
  const gaps: number[] = [];
  for (let i = 1; i < obs.bodyReads.length; i++) gaps.push(obs.bodyReads[i]!.t - obs.bodyReads[i - 1]!.t);
  return gaps;
}

/** Time from the request start to the first body byte, or undefined when no body arrived. */
export function timeToFirstBodyByte(
  obs: Pick<ProbeObservation, "startedAt" | "firstBodyByteAt">,
): number | undefined {
  return obs.firstBodyByteAt === undefined ? undefined : obs.firstBodyByteAt - obs.startedAt;
}

/** The last `n` bytes of the raw wire (headers included), for evidence about how a stream ended. */
export function rawTail(obs: Pick<ProbeObservation, "reads">, n = 200): Buffer {
  const parts: Buffer[] = [];
  let have = 0;
  for (let i = obs.reads.length - 1; i >= 0 && have < n; i--) {
    const bytes = obs.reads[i]!.bytes;
    parts.unshift(bytes);
    have += bytes.length;
  }
  const joined = Buffer.concat(parts);
  return joined.subarray(Math.max(0, joined.length - n));
}
