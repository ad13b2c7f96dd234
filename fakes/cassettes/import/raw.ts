import { UserError } from "../../../lib/errors.ts";
import type { ProviderName } from "../../journal-types.ts";
import { CASSETTE_TOOL, CASSETTE_VERSION, type CassetteHeader } from "../cassette.ts";
import { type Framing, framingOf } from "../framing/framing.ts";
import { headerValue } from "../headers.ts";
import { withProvider } from "../recognize.ts";
import { redactHeaderPairs } from "../redact.ts";
import { eventWrites } from "./event-writes.ts";
import type { ImportedCassette } from "./imported-cassette.ts";

export type RawFormat = "sse" | "ndjson";

const CONTENT_TYPES: Record<Framing, string> = {
  sse: "text/event-stream",
  ndjson: "application/x-ndjson",
  "json-array": "application/json",
  whole: "application/octet-stream",
};

/**
 * A raw capture (`curl -N` output, or `curl -iN` with the status line and headers first) as a
 * cassette. SSE, NDJSON or a streamed JSON array is read off the headers or the bytes unless
 * `format` says; the provider is named or recognised from the events. What the capture cannot tell
 * (the request, the times, the status without -i) is left out or assumed, and `source.note` says which.
 */
export function cassetteFromRaw(
  bytes: Buffer,
  file: string,
  options: { format?: RawFormat; provider?: ProviderName } = {},
): ImportedCassette {
  const { status, statusText, headers, body } = splitHead(bytes);
  const captured = headerValue(headers, "content-type");
  const framing = options.format ?? framingOf(captured, body);
  if (framing === "whole") {
    throw new UserError("IMPORT_NOT_A_STREAM", {
      what: `${file} is not a stream capture`,
      why: "it is neither SSE (data: lines) nor NDJSON (one JSON object per line) nor a streamed JSON array",
      fix: "Pass the output of `curl -N` (or `curl -iN`) against a streaming endpoint, or --format sse|ndjson to read it as one.",
    });
  }
  const contentType = options.format || !captured ? CONTENT_TYPES[framing] : captured;
  const notes = [
    "raw capture: no request and no write times (one write per event, all at 0 ms)",
    ...(status === undefined ? ["status 200 assumed (capture with curl -iN to keep it)"] : []),
    ...(captured === undefined ? [`content-type ${contentType} inferred from the bytes`] : []),
  ];
  const responseHeaders: CassetteHeader[] =
    captured === undefined ? [...headers, ["content-type", contentType]] : headers;
  const cassette = withProvider(
    {
      version: CASSETTE_VERSION,
      provider: "unknown",
      providerBy: "none",
      source: { kind: "raw", from: file, tool: CASSETTE_TOOL, note: `${notes.join("; ")}.` },
      response: {
        t: 0,
        status: status ?? 200,
        statusText: statusText ?? "OK",
        headers: redactHeaderPairs(responseHeaders),
        timing: "none",
        writes: eventWrites(body, contentType, 0),
      },
      end: { how: "unknown", t: 0 },
    },
    options.provider,
  );
  return { cassette, slugOf: "capture" };
}

interface Head {
  status: number | undefined;
  statusText: string | undefined;
  headers: CassetteHeader[];
  body: Buffer;
}

/** `curl -i` puts every response head first (an interim 100 Continue too); the last one is the answer's. */
function splitHead(bytes: Buffer): Head {
  let head: Head = { status: undefined, statusText: undefined, headers: [], body: bytes };
  let rest = bytes;
  while (/^HTTP\/[\d.]+ \d{3}/.test(rest.toString("latin1", 0, 16))) {
    const crlf = rest.indexOf("\r\n\r\n");
    const lf = rest.indexOf("\n\n");
    const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
    if (end < 0) break;
    const lines = rest.toString("latin1", 0, end).split(/\r?\n/).filter(Boolean);
    const match = /^HTTP\/[\d.]+ (\d{3}) ?(.*)$/.exec(lines[0]!)!;
    const headers: CassetteHeader[] = lines.slice(1).map((line) => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
    rest = rest.subarray(end);
    head = { status: Number(match[1]), statusText: match[2] ?? "", headers, body: rest };
  }
  return head;
}
