import { z } from "zod";
import { packageVersion } from "../../lib/package.ts";
import { providerNames } from "../providers/registry.ts";

/**
 * A cassette: one recorded HTTP exchange with a provider, byte for byte and write by write, as JSON.
 * This zod schema is the format's single source: `cassette.schema.json` is generated from it
 * (`npx tsx scripts/cassette-schema.ts`) and a test holds the two equal.
 *
 * Every time is in milliseconds since the request started (`request.startedAt`), so one subtraction
 * places any write against the headers or another write.
 */
export const CASSETTE_VERSION = 1;

/** What writes cassettes, in `source.tool`. */
export const CASSETTE_TOOL = `streamchaos ${packageVersion()}`;

/** The file name ending every reader and writer agrees on. */
export const CASSETTE_SUFFIX = ".cassette.json";

const ms = z.number().nonnegative();

/** Times are kept to the microsecond: finer is noise, and it keeps the files short. */
export const roundMs = (t: number): number => Math.round(t * 1000) / 1000;

/**
 * Bytes in JSON: as text when they are valid UTF-8 on their own (readable, diffable, editable),
 * otherwise as base64 (a multi-byte character split across two writes, a compressed body).
 * Exactly one of the two keys.
 */
const textBytes = z.strictObject({
  text: z.string().meta({ description: "The bytes, when they are valid UTF-8 on their own." }),
});
const base64Bytes = z.strictObject({
  base64: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/)
    .meta({ description: "The bytes in standard base64, when they are not valid UTF-8 on their own." }),
});
export const bytesSchema = z
  .union([textBytes, base64Bytes], { error: 'must be {"text": "..."} or {"base64": "..."}, exactly one' })
  .meta({
    description: "Exact bytes: {text} when valid UTF-8 on their own, else {base64}.",
  });

const arrival = ms.meta({ description: "When the write arrived (ms since the request started)." });
const writeSchema = z.union(
  [z.strictObject({ t: arrival, ...textBytes.shape }), z.strictObject({ t: arrival, ...base64Bytes.shape })],
  { error: 'must be {"t": ms, "text": "..."} or {"t": ms, "base64": "..."}' },
);

const headerSchema = z
  .tuple([z.string().min(1), z.string()])
  .meta({ description: "[name, value] as sent: case, order and repeats kept." });

export const END_HOWS = [
  "complete",
  "upstream-closed",
  "upstream-error",
  "client-closed",
  "cut-short",
  "unknown",
] as const;

export const PROVIDER_BY = ["route", "events", "headers", "user", "none"] as const;

export const cassetteSchema = z
  .strictObject({
    version: z.literal(CASSETTE_VERSION).meta({ description: "Format version; this streamchaos reads 1." }),
    provider: z
      .enum([...providerNames, "unknown"])
      .meta({ description: "Whose wire format the response is (fakes/providers/)." }),
    providerBy: z.enum(PROVIDER_BY).meta({
      description:
        "What recognised the provider: the fake's route table, the events' shapes, a provider-only header, the user (--provider), or nothing.",
    }),
    source: z
      .strictObject({
        kind: z.enum(["record", "har", "raw"]),
        from: z.string().meta({ description: "The recorder's target URL, or the imported file's path." }),
        tool: z.string().meta({ description: "What wrote it, e.g. streamchaos 0.1.0." }),
        note: z.string().optional().meta({
          description: "What the source could not tell (times, request, status) and what was assumed.",
        }),
      })
      .meta({ description: "Where the exchange was captured." }),
    request: z
      .strictObject({
        startedAt: z.iso.datetime().meta({ description: "Wall-clock start, ISO 8601: time zero." }),
        method: z.string().min(1),
        path: z
          .string()
          .startsWith("/")
          .meta({ description: "Path as sent upstream (the target's prefix included)." }),
        query: z.string().meta({ description: 'Query without "?", secrets (key=) redacted.' }),
        headers: z
          .array(headerSchema)
          .meta({ description: "Secrets (authorization, api keys, cookies) redacted." }),
        body: bytesSchema,
      })
      .optional()
      .meta({ description: "Absent when the capture has no request (a raw curl -N output)." }),
    response: z
      .strictObject({
        t: ms.meta({ description: "When the status line and headers arrived." }),
        status: z.number().int().min(100).max(999),
        statusText: z.string(),
        headers: z
          .array(headerSchema)
          .meta({ description: "As received, hop-by-hop ones included; set-cookie redacted." }),
        timing: z.enum(["recorded", "spread", "none"]).meta({
          description:
            "recorded: each write's t is its real arrival; spread: writes are the events, spaced evenly over the capture's receive time (HAR); none: no times were captured, every t is 0.",
        }),
        writes: z.array(writeSchema).meta({
          description: "The body (transfer framing removed), one entry per upstream write, in order.",
        }),
      })
      .optional()
      .meta({ description: "Absent when no response headers arrived." }),
    end: z
      .strictObject({
        how: z.enum(END_HOWS).meta({
          description:
            "complete: the upstream ended the body; upstream-closed: it hung up mid-body; upstream-error: no response (refused, reset, timeout); client-closed: the client left and the upstream call was cancelled; cut-short: the recorder stopped (Ctrl-C) mid-exchange; unknown: the source does not say.",
        }),
        t: ms,
        error: z.string().optional().meta({ description: "The error that ended it, e.g. ECONNRESET." }),
      })
      .meta({ description: "How and when the exchange ended." }),
  })
  .meta({
    title: "streamchaos cassette",
    description: "One recorded HTTP exchange with an LLM provider, byte for byte and write by write.",
  });

export type Cassette = z.infer<typeof cassetteSchema>;
export type CassetteBytes = z.infer<typeof bytesSchema>;
export type CassetteWrite = z.infer<typeof writeSchema>;
export type CassetteHeader = z.infer<typeof headerSchema>;
export type CassetteEnd = Cassette["end"];
export type EndHow = (typeof END_HOWS)[number];
export type CassetteProvider = Cassette["provider"];
export type ProviderBy = (typeof PROVIDER_BY)[number];

/** The JSON Schema of the format, generated from the zod schema above. */
export function cassetteJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(cassetteSchema, { target: "draft-2020-12" }) as Record<string, unknown>;
}
