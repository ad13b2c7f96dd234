import type { JournalEntry } from "../../fakes/journal-types.ts";
import type { ProbeObservation } from "../probe/observation.ts";
import type { Evidence } from "../results.ts";
import type { CheckContext, Exchange } from "./check.ts";

/** Bytes as JSON-escaped text so `\r\n`, `0\r\n\r\n` and control bytes are visible in reports. */
export function escapeBytes(bytes: Buffer | string, max = 160, from: "head" | "tail" = "tail"): string {
  const text = typeof bytes === "string" ? bytes : bytes.toString("latin1");
  const cut =
    text.length > max ? (from === "tail" ? `…${text.slice(-max)}` : `${text.slice(0, max)}…`) : text;
  return JSON.stringify(cut).slice(1, -1);
}

export function rawBytes(observation: ProbeObservation): Buffer {
  return Buffer.concat(observation.reads.map((read) => read.bytes));
}

export function bytesEvidence(
  label: string,
  bytes: Buffer | string,
  max = 160,
  from: "head" | "tail" = "tail",
): Evidence {
  return { kind: "bytes", label, value: escapeBytes(bytes, max, from) };
}

export function statusEvidence(observation: ProbeObservation): Evidence {
  const response = observation.response;
  if (!response) {
    return {
      kind: "status",
      label: "status line",
      value: `none (${observation.end.kind}${observation.end.detail ? `: ${observation.end.detail}` : ""})`,
    };
  }
  return {
    kind: "status",
    label: "status line",
    value: `HTTP/${response.httpVersion} ${response.statusCode} ${response.statusText}`,
    t: response.headersAt,
  };
}

export function endEvidence(observation: ProbeObservation): Evidence {
  const detail = observation.end.detail ? ` (${observation.end.detail})` : "";
  return {
    kind: "note",
    label: "how the connection ended",
    value: `${observation.end.kind}${detail}; framing ${observation.response?.framing ?? "none"}; terminating chunk ${observation.terminatorSeen ? "seen" : "not seen"}`,
    t: observation.end.t,
  };
}

export function timingEvidence(label: string, ms: number, t?: number): Evidence {
  return { kind: "timing", label, value: `${Math.round(ms)} ms`, ...(t === undefined ? {} : { t }) };
}

export function header(observation: ProbeObservation, name: string): string | undefined {
  const lower = name.toLowerCase();
  const values = (observation.response?.headers ?? [])
    .filter(([key]) => key.toLowerCase() === lower)
    .map(([, v]) => v);
  return values.length ? values.join(", ") : undefined;
}

export function exchangeAt(context: CheckContext, options: Record<string, unknown>): Exchange | undefined {
  const index = typeof options.request === "number" ? options.request : 0;
  return context.exchanges[index];
}

/** Log lines as evidence, newest last. */
export function logEvidence(label: string, lines: Array<{ line: string; t: number }>, max = 5): Evidence[] {
  return lines.slice(-max).map((line) => ({ kind: "log" as const, label, value: line.line, t: line.t }));
}

export function upstreamText(entries: JournalEntry[]): string {
  return entries
    .flatMap((entry) => entry.events)
    .filter((event) => event.kind === "content" && typeof event.text === "string")
    .map((event) => event.text)
    .join("");
}

export function journalEvidence(entry: JournalEntry): Evidence {
  const close = entry.clientClose
    ? `; SUT closed (${entry.clientClose.how}) ${entry.clientClose.duringResponse ? "during" : "after"} the response`
    : "";
  return {
    kind: "journal",
    label: `fake: ${entry.method} ${entry.path}`,
    value: `status ${entry.status ?? "-"}, ${entry.events.length} events, outcome ${entry.outcome}${close}; faults: ${entry.faults.map((f) => `${f.fault}@${f.at}`).join(", ") || "none"}`,
    t: entry.t.received,
  };
}
