import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { StreamchaosError } from "../lib/errors.ts";
import { faultNames } from "./faults/registry.ts";
import { conditionPredicate, type Journal, WAIT_EVENTS, type WaitCondition } from "./journal.ts";
import { providerNames } from "./providers/registry.ts";
import { checkScript, type Script, type ScriptIssue } from "./script.ts";
import { checkMatch, type ScriptBook, type ScriptMatch } from "./script-book.ts";

/** The admin API lives under this reserved prefix, on the provider port and on the admin port. */
export const ADMIN_PREFIX = "/__streamchaos/";

export interface AdminTarget {
  book: ScriptBook;
  log: Journal;
  setScript(script: Script): Promise<void>;
  addScript(script: Script, match: ScriptMatch, times?: number): Promise<number>;
  reset(): Promise<void>;
  /** Aborted when the server closes (ends long polls). */
  signal: AbortSignal;
}

type Handler = (
  target: AdminTarget,
  body: unknown,
  params: string[],
) => Promise<[number, unknown] | [number, unknown, Record<string, string>]>;

/** How many finished requests the journal limit dropped: the journal alone cannot say so. */
const DROPPED_HEADER = "x-streamchaos-journal-dropped";

const waitSchema = z.strictObject({
  condition: z
    .strictObject({
      event: z.enum(WAIT_EVENTS).optional(),
      id: z.number().int().optional(),
      afterId: z.number().int().optional(),
      provider: z.enum(providerNames as [string, ...string[]]).optional(),
      path: z.string().optional(),
      script: z.string().optional(),
      duringResponse: z.boolean().optional(),
      count: z.number().int().positive().optional(),
    })
    .default({}),
  timeoutMs: z.number().int().positive().max(600_000).default(10_000),
});

class BadRequest extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly issues: ScriptIssue[] = [],
  ) {
    super(message);
  }
}

function scriptOrThrow(json: unknown, prefix = ""): Script {
  const result = checkScript(json);
  if (result.ok) return result.script;
  const issues = result.issues.map((i) => ({ field: prefix + i.field, message: i.message }));
  throw new BadRequest(
    "FAKE_INVALID_SCRIPT",
    `Invalid script: ${issues[0]!.field}: ${issues[0]!.message}`,
    issues,
  );
}

const ROUTES: Array<[method: string, pattern: RegExp, handler: Handler]> = [
  ["GET", /^health$/, async () => [200, { ok: true, providers: providerNames, faults: faultNames() }]],
  ["GET", /^script$/, async (t) => [200, t.book.describe()]],
  [
    "PUT",
    /^script$/,
    async (t, body) => {
      await t.setScript(scriptOrThrow(body));
      return [200, { ok: true }];
    },
  ],
  [
    "POST",
    /^scripts$/,
    async (t, body) => {
      const o = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
      const unknown = Object.keys(o).filter((k) => !["script", "match", "times"].includes(k));
      if (unknown.length > 0) {
        throw new BadRequest(
          "FAKE_INVALID_REQUEST",
          `unknown key "${unknown[0]}"; allowed: script, match, times`,
          [{ field: unknown[0]!, message: "unknown key; allowed: script, match, times" }],
        );
      }
      const script = scriptOrThrow(o.script, "script.");
      const match = checkMatch(o.match);
      if (!match.ok) {
        throw new BadRequest(
          "FAKE_INVALID_MATCH",
          `Invalid match: ${match.issues[0]!.field}: ${match.issues[0]!.message}`,
          match.issues,
        );
      }
      const times = o.times;
      if (times !== undefined && !(Number.isInteger(times) && (times as number) > 0)) {
        throw new BadRequest("FAKE_INVALID_REQUEST", "times must be a positive whole number", [
          { field: "times", message: "must be a positive whole number" },
        ]);
      }
      return [200, { ok: true, id: await t.addScript(script, match.match, times as number | undefined) }];
    },
  ],
  [
    "DELETE",
    /^scripts$/,
    async (t) => {
      t.book.clearMatches();
      return [200, { ok: true }];
    },
  ],
  [
    "POST",
    /^reset$/,
    async (t) => {
      await t.reset();
      return [200, { ok: true }];
    },
  ],
  ["GET", /^journal$/, async (t) => [200, t.log.entries(), { [DROPPED_HEADER]: String(t.log.dropped) }]],
  [
    "DELETE",
    /^journal$/,
    async (t) => {
      t.log.clear();
      return [200, { ok: true }];
    },
  ],
  [
    "GET",
    /^journal\/(\d+)$/,
    async (t, _b, [id]) => {
      const entry = t.log.entry(Number(id));
      return entry
        ? [200, entry]
        : [404, { error: { code: "FAKE_NO_SUCH_ENTRY", message: `no journal entry ${id}` } }];
    },
  ],
  [
    "POST",
    /^wait$/,
    async (t, body) => {
      const parsed = waitSchema.safeParse(body ?? {});
      if (!parsed.success) {
        const issues = parsed.error.issues.map((i) => ({
          field: i.path.join(".") || "(body)",
          message: i.message,
        }));
        throw new BadRequest(
          "FAKE_INVALID_WAIT",
          `Invalid wait: ${issues[0]!.field}: ${issues[0]!.message}`,
          issues,
        );
      }
      try {
        const entries = await t.log.waitFor(
          conditionPredicate(parsed.data.condition as WaitCondition),
          parsed.data.timeoutMs,
          t.signal,
        );
        return [200, { ok: true, entries }];
      } catch (error) {
        if (error instanceof StreamchaosError)
          return [408, { error: { code: error.code, message: error.message } }];
        throw error;
      }
    },
  ],
];

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

export async function handleAdmin(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  rawBody: string,
  target: AdminTarget,
): Promise<void> {
  const rest = pathname.slice(ADMIN_PREFIX.length);
  const method = req.method === "POST" && rest === "script" ? "PUT" : (req.method ?? "GET");
  try {
    let body: unknown;
    if (rawBody.trim() !== "") {
      try {
        body = JSON.parse(rawBody);
      } catch (error) {
        throw new BadRequest(
          "FAKE_INVALID_JSON",
          `The request body is not JSON: ${(error as Error).message}`,
        );
      }
    }
    for (const [m, pattern, handler] of ROUTES) {
      const found = pattern.exec(rest);
      if (!found || m !== method) continue;
      const [status, out, headers] = await handler(target, body, found.slice(1));
      send(res, status, out, headers);
      return;
    }
    send(res, 404, {
      error: {
        code: "FAKE_NO_SUCH_ROUTE",
        message: `no admin route ${req.method} ${pathname}; routes: ${ROUTES.map(([m, p]) => `${m} ${ADMIN_PREFIX}${p.source.replace(/[\^$]/g, "")}`).join(", ")}`,
      },
    });
  } catch (error) {
    if (error instanceof BadRequest) {
      send(res, 400, { error: { code: error.code, message: error.message, issues: error.issues } });
      return;
    }
    send(res, 500, {
      error: { code: "FAKE_INTERNAL", message: error instanceof Error ? error.message : String(error) },
    });
  }
}
