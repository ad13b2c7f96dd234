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
  const client = observation.client ?? "h1";
  const terminator =
    client === "h2"
      ? `END_STREAM ${observation.terminatorSeen ? "seen" : "not seen"}`
      : client === "browser"
        ? `the page's reader ${observation.terminatorSeen ? "finished" : "did not finish"}`
        : `terminating chunk ${observation.terminatorSeen ? "seen" : "not seen"}`;
  return {
    kind: "note",
    label:
      client === "h2"
        ? "how the stream ended"
        : client === "browser"
          ? "how it ended for the page"
          : "how the connection ended",
    value: `${observation.end.kind}${detail}; framing ${observation.response?.framing ?? "none"}; ${terminator}`,
    t: observation.end.t,
  };
}

/**
 * How a stream that did not end cleanly broke, in its client's own terms: HTTP/1.1 framing for h1,
 * frames for h2 (RST_STREAM and its code, GOAWAY, the connection's end before END_STREAM), and for
 * the browser what the page's code caught.
 */
export function describeBreak(observation: ProbeObservation): string {
  const { end, response } = observation;
  if (end.kind === "timeout") return "the response never finished (client timeout)";
  if (end.kind === "client-disconnect") return "the client hung up before the end";
  const client = observation.client ?? "h1";
  if (client === "h2") {
    const h2 = end.h2;
    const code = h2?.codeName ?? (h2?.code === undefined ? "" : String(h2.code));
    switch (h2?.how) {
      case "rst-stream":
        return `the stream was reset: RST_STREAM(${code}) before END_STREAM`;
      case "goaway":
        return `the connection was abandoned: GOAWAY(${code}, last stream ${h2.lastStreamId}) before END_STREAM`;
      case "connection-closed":
        return "the connection closed (FIN) before END_STREAM";
      case "connection-reset":
        return "the connection was reset (TCP RST) before END_STREAM";
      default:
        return `the stream ended without END_STREAM (${end.kind})`;
    }
  }
  if (client === "browser") {
    const caught = observation.browser?.error;
    if (observation.browser?.api === "eventsource")
      return `the page's EventSource failed: ${end.detail ?? end.kind}`;
    return caught
      ? `the page caught ${caught.name}: ${caught.message} (${caught.phase === "fetch" ? "fetch() rejected" : `from the body reader after ${observation.body.length} bytes`})`
      : `the page's reader did not finish (${end.detail ?? end.kind})`;
  }
  if (end.kind === "rst") return "the connection was reset (RST)";
  return response?.framing === "chunked"
    ? "the connection closed without the terminating chunk 0\\r\\n\\r\\n"
    : `the body ended incomplete (${end.kind})`;
}

/** What the user-facing side made of the end: an undici fetch() replay (h1), the page itself (browser). */
export function consumerEvidence(observation: ProbeObservation): Evidence[] {
  const browser = observation.browser;
  if (browser) {
    const es = browser.eventSource;
    return [
      {
        kind: "note",
        label: "what the page saw",
        value: [
          `${browser.api} ${browser.outcome}`,
          browser.error ? `caught ${browser.error.name}: ${browser.error.message}` : "",
          `${observation.body.length} bytes reached it`,
          browser.nextHopProtocol ? `over ${browser.nextHopProtocol}` : "",
          es ? `EventSource reconnected ${es.reconnects} time(s), closed: ${es.closedBecause}` : "",
          `Chromium ${browser.chromium}`,
        ]
          .filter(Boolean)
          .join("; "),
        ...(browser.error ? { t: browser.error.t } : {}),
      },
    ];
  }
  if (observation.fetchView.outcome === "not-run") return [];
  return [
    {
      kind: "note",
      label: "what fetch() saw",
      value: `${observation.fetchView.outcome}${observation.fetchView.error ? `: ${observation.fetchView.error}` : ""}`,
    },
  ];
}

/** The last frames of an h2 exchange, as evidence of how the stream ended. */
export function framesEvidence(observation: ProbeObservation, max = 6): Evidence[] {
  const frames = observation.h2?.frames.filter((f) => f.direction === "in" && f.type !== "WINDOW_UPDATE");
  if (!frames?.length) return [];
  return [
    {
      kind: "note",
      label: `last ${Math.min(max, frames.length)} frames received`,
      value: frames
        .slice(-max)
        .map(
          (f) =>
            `${f.type}${f.flags.length ? `[${f.flags.join(",")}]` : ""} s${f.streamId}${f.dataLength !== undefined ? ` ${f.dataLength}B` : ""}${f.errorName ? ` ${f.errorName}` : ""}`,
        )
        .join(" · "),
      t: frames.at(-1)!.t,
    },
  ];
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
