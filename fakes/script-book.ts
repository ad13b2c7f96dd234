import { z } from "zod";
import type { ProviderName } from "./journal-types.ts";
import { providerNames } from "./providers/registry.ts";
import type { Script, ScriptIssue } from "./script.ts";

/** Which requests a per-match script applies to. Every given field must hold. */
export interface ScriptMatch {
  path?: string;
  provider?: ProviderName;
  model?: string;
  /** "name=value", or an object of header name → value (names case-insensitive). */
  header?: string | Record<string, string>;
  bodyContains?: string;
}

export interface MatchedRequest {
  path: string;
  provider: ProviderName;
  model: string;
  headers: Record<string, string>;
  rawBody: string;
}

const matchSchema = z.strictObject({
  path: z.string().startsWith("/", 'must start with "/"').optional(),
  provider: z
    .string()
    .refine((p) => (providerNames as string[]).includes(p), {
      message: `unknown provider; allowed: ${providerNames.join(", ")}`,
    })
    .optional(),
  model: z.string().optional(),
  header: z
    .union([z.string().regex(/^[^=\s]+=.*$/, 'must be "name=value"'), z.record(z.string(), z.string())])
    .optional(),
  bodyContains: z.string().optional(),
});

export function checkMatch(
  json: unknown,
): { ok: true; match: ScriptMatch } | { ok: false; issues: ScriptIssue[] } {
  const parsed = matchSchema.safeParse(json ?? {});
  if (parsed.success) return { ok: true, match: parsed.data as ScriptMatch };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({
      field: [
        "match",
        ...i.path.map(String),
        ...(i.code === "unrecognized_keys" ? [i.keys[0] ?? ""] : []),
      ].join("."),
      message:
        i.code === "unrecognized_keys"
          ? `unknown key; allowed: path, provider, model, header, bodyContains`
          : i.message,
    })),
  };
}

interface Rule {
  id: number;
  script: Script;
  match: ScriptMatch;
  /** Uses left; undefined = unlimited. */
  timesLeft?: number;
}

function headerPairs(header: ScriptMatch["header"]): Array<[string, string]> {
  if (header === undefined) return [];
  if (typeof header === "string") {
    const eq = header.indexOf("=");
    return [[header.slice(0, eq).toLowerCase(), header.slice(eq + 1)]];
  }
  return Object.entries(header).map(([k, v]) => [k.toLowerCase(), v]);
}

function matches(match: ScriptMatch, request: MatchedRequest): boolean {
  if (match.path !== undefined && match.path !== request.path) return false;
  if (match.provider !== undefined && match.provider !== request.provider) return false;
  if (match.model !== undefined && match.model !== request.model) return false;
  if (match.bodyContains !== undefined && !request.rawBody.includes(match.bodyContains)) return false;
  return headerPairs(match.header).every(([name, value]) => request.headers[name] === value);
}

/** The default script plus per-match scripts; the first added match that still has uses wins. */
export class ScriptBook {
  #initial: Script;
  #default: Script;
  #rules: Rule[] = [];
  #nextId = 1;

  constructor(initial: Script) {
    this.#initial = initial;
    this.#default = initial;
  }

  get default(): Script {
    return this.#default;
  }

  setDefault(script: Script): void {
    this.#default = script;
  }

  add(script: Script, match: ScriptMatch, times?: number): number {
    const id = this.#nextId++;
    this.#rules.push({ id, script, match, timesLeft: times });
    return id;
  }

  clearMatches(): void {
    this.#rules = [];
  }

  /** Back to the script the server started with, no matches. */
  reset(): void {
    this.#default = this.#initial;
    this.#rules = [];
  }

  pick(request: MatchedRequest): { script: Script; name: string } {
    for (const rule of this.#rules) {
      if (rule.timesLeft === 0 || !matches(rule.match, request)) continue;
      if (rule.timesLeft !== undefined) rule.timesLeft--;
      return { script: rule.script, name: rule.script.name ?? `match-${rule.id}` };
    }
    return { script: this.#default, name: this.#default.name ?? "default" };
  }

  describe(): {
    default: Script;
    matches: Array<{ id: number; match: ScriptMatch; timesLeft?: number; script: Script }>;
  } {
    return {
      default: this.#default,
      matches: this.#rules.map((r) => ({
        id: r.id,
        match: r.match,
        timesLeft: r.timesLeft,
        script: r.script,
      })),
    };
  }
}
