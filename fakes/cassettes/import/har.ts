import { z } from "zod";
import { UserError } from "../../../lib/errors.ts";
import type { ProviderName } from "../../journal-types.ts";
import { redactQuery } from "../../redact.ts";
import { encodeBytes } from "../bytes.ts";
import { CASSETTE_TOOL, CASSETTE_VERSION, type Cassette, type CassetteHeader, roundMs } from "../cassette.ts";
import { headerValue } from "../headers.ts";
import { withProvider } from "../recognize.ts";
import { redactHeaderPairs } from "../redact.ts";
import { eventWrites } from "./event-writes.ts";
import type { ImportedCassette } from "./imported-cassette.ts";

/** The parts of HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) an import reads; the rest is let through. */
const harHeader = z.looseObject({ name: z.string(), value: z.string() });
const harEntry = z.looseObject({
  startedDateTime: z.string().refine((text) => !Number.isNaN(Date.parse(text)), "not an ISO 8601 date"),
  request: z.looseObject({
    method: z.string(),
    url: z.url(),
    headers: z.array(harHeader),
    postData: z.looseObject({ text: z.string().optional() }).optional(),
  }),
  response: z.looseObject({
    status: z.number(),
    statusText: z.string(),
    headers: z.array(harHeader),
    content: z.looseObject({
      mimeType: z.string().optional(),
      text: z.string().optional(),
      encoding: z.string().optional(),
    }),
    /** Chrome's own field: the network error that ended the response, if any. */
    _error: z.string().nullable().optional(),
  }),
  timings: z.looseObject({
    blocked: z.number().optional(),
    dns: z.number().optional(),
    connect: z.number().optional(),
    send: z.number(),
    wait: z.number(),
    receive: z.number(),
  }),
});
const harSchema = z.looseObject({ log: z.looseObject({ entries: z.array(harEntry) }) });
type HarEntry = z.infer<typeof harEntry>;

const STREAM_TYPES = new Set([
  "text/event-stream",
  "application/x-ndjson",
  "application/ndjson",
  "application/jsonl",
]);

/** Whether a parsed JSON file is a HAR (auto-detection: `log.entries` is the HAR's mark). */
export function looksLikeHar(json: unknown): boolean {
  const log = (json as { log?: { entries?: unknown } } | null)?.log;
  return Array.isArray(log?.entries);
}

/**
 * The streamed entries of a HAR (browser devtools' "Save all as HAR with content") as cassettes. A
 * HAR holds each body whole and decoded, with no write boundaries: each becomes one write per
 * event spread over the entry's receive time, and its content-encoding/-length headers are dropped
 * (they described bytes the HAR does not hold). The cassette's `source.note` says so.
 */
export function cassettesFromHar(json: unknown, file: string, provider?: ProviderName): ImportedCassette[] {
  const parsed = harSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError("IMPORT_BAD_HAR", {
      what: `${file} is not a HAR file`,
      why: `${issue.path.join(".") || "(file)"}: ${issue.message}`,
      fix: 'Export it from the browser\'s devtools: Network tab, right-click a request, "Save all as HAR with content".',
    });
  }
  const entries = parsed.data.log.entries;
  const streamed = entries.filter((entry) => STREAM_TYPES.has(mimeOf(entry)));
  const withBody = streamed.filter((entry) => (entry.response.content.text ?? "") !== "");
  if (withBody.length === 0) {
    throw new UserError("IMPORT_HAR_NO_STREAM", {
      what: `${file} has no streamed response to import`,
      why:
        streamed.length > 0
          ? `its ${streamed.length} event-stream/NDJSON entr${streamed.length === 1 ? "y has" : "ies have"} no body text (the HAR was saved without content)`
          : `none of its ${entries.length} entries is text/event-stream or application/x-ndjson`,
      fix: 'Let the streamed answer finish, then "Save all as HAR with content" in the Network tab (Chrome: right-click a request).',
      details: entries
        .slice(0, 10)
        .map(
          (e) => `${e.request.method} ${e.request.url} → ${e.response.status} ${mimeOf(e) || "(no type)"}`,
        ),
    });
  }
  return withBody.map((entry) => {
    const url = new URL(entry.request.url);
    return { cassette: withProvider(cassetteOf(entry, file), provider), slugOf: url.pathname };
  });
}

function mimeOf(entry: HarEntry): string {
  const type =
    entry.response.content.mimeType || headerValue(pairs(entry.response.headers), "content-type") || "";
  return type.split(";")[0]!.trim().toLowerCase();
}

function cassetteOf(entry: HarEntry, file: string): Cassette {
  const { request, response, timings } = entry;
  const url = new URL(request.url);
  const content = response.content;
  const body = Buffer.from(content.text ?? "", content.encoding === "base64" ? "base64" : "utf8");
  // HAR: blocked, dns, connect (ssl inside it), send and wait come before the first byte; -1 is "n/a".
  const headersT = [timings.blocked, timings.dns, timings.connect, timings.send, timings.wait].reduce<number>(
    (sum, part) => sum + Math.max(0, part ?? 0),
    0,
  );
  const receive = Math.max(0, timings.receive);
  const dropped = new Set(["content-encoding", "content-length"]);
  const headers = pairs(response.headers);
  const kept = headers.filter(([name]) => !dropped.has(name.toLowerCase()));
  const notes = [
    `HAR has no per-write times: one write per event, spread evenly over the entry's ${roundMs(receive)} ms of receive time`,
    ...(kept.length < headers.length
      ? ["content-encoding/content-length dropped: a HAR holds the decoded body"]
      : []),
  ];
  return {
    version: CASSETTE_VERSION,
    provider: "unknown",
    providerBy: "none",
    source: { kind: "har", from: file, tool: CASSETTE_TOOL, note: `${notes.join("; ")}.` },
    request: {
      startedAt: new Date(entry.startedDateTime).toISOString(),
      method: request.method,
      path: url.pathname,
      query: redactQuery(url.search),
      // HTTP/2 pseudo-headers (:authority, :path) are how Chrome writes the request line, not headers.
      headers: redactHeaderPairs(pairs(request.headers).filter(([name]) => !name.startsWith(":"))),
      body: encodeBytes(Buffer.from(request.postData?.text ?? "", "utf8")),
    },
    response: {
      t: roundMs(headersT),
      status: response.status,
      statusText: response.statusText,
      headers: redactHeaderPairs(kept),
      timing: "spread",
      writes: eventWrites(body, mimeOf(entry), headersT, receive),
    },
    end: {
      how: response._error ? "upstream-closed" : "unknown",
      t: roundMs(headersT + receive),
      ...(response._error ? { error: response._error } : {}),
    },
  };
}

function pairs(headers: ReadonlyArray<{ name: string; value: string }>): CassetteHeader[] {
  return headers.map(({ name, value }) => [name, value]);
}
