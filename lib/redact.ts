import { StreamchaosError, UserError } from "./errors.ts";

/**
 * Secrets by shape, not by prefix (DESIGN: "secrets in journals and reports are redacted"). Three
 * rules, the same in every layer:
 * - a name says it holds a secret (`Authorization`, `Cookie`, `X-Internal-Token`, `api_key`,
 *   `clientSecret`, `DB_PASSWORD`), in any casing and with `-`, `_` or camelCase between words:
 *   its value goes, whether it sits in a header line, a JSON field, a query or `NAME=value`;
 * - a value has the shape of a credential (provider keys, JWTs, long bearer tokens), whatever
 *   name it has or none;
 * - a value the caller knows is secret (a backend's `*_KEY`, `*_TOKEN`, `*_SECRET` env values),
 *   wherever it appears, even with no known shape.
 * Kept: plural or counting names (`tokens`, `max_tokens`, `token_count`, `keys`), names where the
 * secret word is not the last one (`token_type`, `key_id`), and the words on their own in prose
 * ("the key to", "authorization failed"): only `name: value` and `name=value` are read as fields.
 */
export const REDACTED = "[redacted]";

/** The name's last word says what it holds: `x-api-key`, `access_token`, `set-cookie`, `client_secret`. */
const LAST_WORDS = new Set([
  "key",
  "apikey",
  "token",
  "secret",
  "auth",
  "authorization",
  "cookie",
  "credential",
  "credentials",
  "password",
  "passwd",
  "pwd",
  "passphrase",
]);
/** Anywhere in the name: `DB_PASSWORD_FILE`, `SECRET_KEY_BASE`. */
const ANY_WORDS = new Set(["password", "passwd", "passphrase", "secret", "apikey"]);
/** Cookie headers hold `a=b; c=d`: the whole line goes, not just the first pair. */
const LINE_VALUED = /^(?:set-)?cookie2?$/i;

const nameCache = new Map<string, boolean>();

export function isSecretName(name: string): boolean {
  const cached = nameCache.get(name);
  if (cached !== undefined) return cached;
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const last = words[words.length - 1];
  const secret = (last !== undefined && LAST_WORDS.has(last)) || words.some((word) => ANY_WORDS.has(word));
  // Bodies repeat the same few keys; a bound keeps odd inputs from growing it forever.
  if (nameCache.size < 2048) nameCache.set(name, secret);
  return secret;
}

// Cheap test before the field scan: most text (stream bytes, timings) names no secret at all.
const MENTIONS_SECRET = /key|token|secret|auth|cookie|passw|pwd|passphrase|credential/i;
// `name: value`, `"name":"value"`, `\"name\": \"value\"` (JSON inside JSON), `name=value`.
// Bytes are quoted escaped (`...\r\ncookie: a=b`): a name starts after an escaped line break, never
// at the letter of the escape itself (`ncookie` would hide the cookie).
const FIELD = /(?:(?<=\\[rnt])|(?<!\\)\b)([A-Za-z][\w-]*)(\\?["']?)[ \t]*([:=])[ \t]*/g;
// "first token: provider emitted": a lone word inside a sentence followed by a plain word is prose.
const PROSE_BEFORE = /[A-Za-z,][ \t]$/;
const PLAIN_WORD = /^[A-Za-z]+$/;
const SCHEME_VALUE = /(?:(?:bearer|basic|digest|token|negotiate)[ \t]+)?[^\s"'\\,;&)\]}]+/iy;
const LINE_VALUE = /[^\r\n"'\\]+/y;
const LITERAL = /^(?:null|true|false)$/;
// A fault placed at `token:5` or a count `key=3` names a position, not a credential: no secret is a
// short run of digits (the same floor as MIN_SECRET_VALUE_LENGTH below).
const SMALL_NUMBER = /^\d{1,5}$/;

/**
 * Provider key shapes. Keys are random, so `sk-` and bearer tokens must hold a digit: that keeps
 * prose such as "sk-learn-preprocessing" or "Bearer tokenization" whole.
 */
const SHAPES = new RegExp(
  [
    String.raw`\bsk-(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{16,}`, // OpenAI sk-/sk-proj-, Anthropic sk-ant-, OpenRouter sk-or-
    String.raw`\bgsk_[A-Za-z0-9]{20,}`, // Groq
    String.raw`\bxai-[A-Za-z0-9]{20,}`, // xAI
    String.raw`\bAIza[A-Za-z0-9_-]{30,}`, // Google
    String.raw`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*`, // JWT: header.payload.signature
    String.raw`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,})`, // GitHub
    String.raw`\bhf_[A-Za-z0-9]{30,}`, // Hugging Face
    String.raw`\b(?:AKIA|ASIA)[A-Z0-9]{16}\b`, // AWS access key id
    String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`, // Slack
  ].join("|"),
  "g",
);
const BEARER = /\b(bearer)[ \t]+(?=[A-Za-z._~+/-]*\d)[A-Za-z0-9._~+/-]{16,}=*/gi;
/**
 * No text shorter than this matches SHAPES (`xoxb-` and 10 more) or BEARER: the fake's journal
 * redacts every header and body string of every request, mostly short ones (`gpt-4o`, `user`).
 */
const SHORTEST_SHAPE = 15;

/** Masks secrets in text, and in every string (and secret-named field) of a JSON-like value. */
export interface Redactor {
  text(text: string): string;
  /** A deep copy: strings masked, values of secret-named keys replaced; numbers and booleans kept. */
  deep<T>(value: T): T;
  /**
   * deep's masking, but the arrays and objects with nothing masked in them are the input's own:
   * for a value nobody changes afterwards. The fake journals each request's body with it, which
   * the codec reads as it came: a copy had been kept beside it for the stream's whole life.
   */
  shared<T>(value: T): T;
}

export interface RedactorOptions {
  /** Exact values to mask wherever they appear (a backend's secret env values): see secretEnvValues. */
  values?: Iterable<string>;
}

/** Shorter values are left alone: masking "1" or "true" everywhere would destroy the report. */
export const MIN_SECRET_VALUE_LENGTH = 6;

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const known = knownValues(options.values ?? []);
  const text = (input: string): string => {
    let out = MENTIONS_SECRET.test(input) ? maskFields(input) : input;
    if (out.length >= SHORTEST_SHAPE) {
      out = out.replace(SHAPES, REDACTED).replace(BEARER, (_, word: string) => `${word} ${REDACTED}`);
    }
    return known ? out.replace(known, REDACTED) : out;
  };
  // `copy`: every array and object anew (deep); without it, only those with something masked in
  // them, the rest handed back as they are (shared).
  const walk = (value: unknown, copy: boolean): unknown => {
    if (typeof value === "string") return text(value);
    if (Array.isArray(value)) {
      let out: unknown[] | undefined = copy ? new Array(value.length) : undefined;
      for (let i = 0; i < value.length; i++) {
        const item = walk(value[i], copy);
        if (out === undefined && item !== value[i]) out = value.slice(0, i);
        if (out !== undefined) out[i] = item;
      }
      return out ?? value;
    }
    if (value !== null && typeof value === "object") {
      let out: Record<string, unknown> | undefined = copy ? {} : undefined;
      const record = value as Record<string, unknown>;
      // Keys, not entries: no [key, value] array per field, for every request's body.
      const keys = Object.keys(record);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i]!;
        const item = record[key];
        const masked = isSecretName(key) && isMaskable(item) ? REDACTED : walk(item, copy);
        if (out === undefined && masked !== item) {
          out = {};
          for (let j = 0; j < i; j++) out[keys[j]!] = record[keys[j]!];
        }
        if (out !== undefined) out[key] = masked;
      }
      return out ?? value;
    }
    return value;
  };
  const deep = <T>(value: T): T => walk(value, true) as T;
  const shared = <T>(value: T): T => walk(value, false) as T;
  return { text, deep, shared };
}

const structural = createRedactor();
/** Names and shapes only, for callers that know no secret values (the fake's journal). */
export const redactText = structural.text;
export const redactDeep = structural.deep;
export const redactShared = structural.shared;

/** The values of env vars whose names look secret (`OPENAI_API_KEY`, `INTERNAL_SECRET`, `DB_PASSWORD`). */
export function secretEnvValues(env: Readonly<Record<string, string>> | undefined): string[] {
  return Object.entries(env ?? {})
    .filter(([name, value]) => isSecretName(name) && value.length >= MIN_SECRET_VALUE_LENGTH)
    .map(([, value]) => value);
}

/** The same error with every line it prints masked; the cause is dropped, it may quote the secret. */
export function redactError(error: unknown, redactor: Redactor): unknown {
  if (error instanceof StreamchaosError) {
    const info = {
      what: redactor.text(error.what),
      ...(error.why === undefined ? {} : { why: redactor.text(error.why) }),
      ...(error.fix === undefined ? {} : { fix: redactor.text(error.fix) }),
      details: error.details.map(redactor.text),
    };
    return error instanceof UserError
      ? new UserError(error.code, info)
      : new StreamchaosError(error.code, info);
  }
  if (error instanceof Error) {
    const copy = new Error(redactor.text(error.message));
    copy.name = error.name;
    return copy;
  }
  return typeof error === "string" ? redactor.text(error) : error;
}

function isMaskable(value: unknown): boolean {
  return value !== null && value !== undefined && typeof value !== "boolean";
}

function knownValues(values: Iterable<string>): RegExp | undefined {
  const variants = new Set<string>();
  for (const value of values) {
    // "[redacted]" itself must stay stable when a report is redacted twice.
    if (value.length < MIN_SECRET_VALUE_LENGTH || REDACTED.includes(value)) continue;
    variants.add(value);
    // Evidence quotes bytes JSON-escaped: a value with a quote or backslash appears escaped.
    variants.add(JSON.stringify(value).slice(1, -1));
  }
  if (variants.size === 0) return undefined;
  const sorted = [...variants].sort((a, b) => b.length - a.length);
  return new RegExp(sorted.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
}

/** Replaces the value after each secret-named field; other fields are left for their own turn. */
function maskFields(text: string): string {
  let out = "";
  let copied = 0;
  FIELD.lastIndex = 0;
  for (let match = FIELD.exec(text); match; match = FIELD.exec(text)) {
    const name = match[1]!;
    if (!isSecretName(name)) continue;
    const span = valueSpan(text, FIELD.lastIndex, LINE_VALUED.test(name));
    if (!span) continue;
    const prose =
      match[2] === "" &&
      match[3] === ":" &&
      PLAIN_WORD.test(text.slice(span.from, span.to)) &&
      PROSE_BEFORE.test(text.slice(Math.max(0, match.index - 2), match.index));
    if (prose) continue;
    out += text.slice(copied, span.from) + REDACTED;
    copied = span.to;
    FIELD.lastIndex = span.to;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Where the value starting at `at` lies: a quoted string's content, a `[...]` list, or a bare token. */
function valueSpan(text: string, at: number, lineValued: boolean): { from: number; to: number } | undefined {
  const first = text[at];
  if (first === undefined || first === "{") return undefined;
  if (first === "[") {
    // Caddy logs header values as lists: "X-Internal-Token":["..."].
    const close = text.indexOf("]", at);
    const lineEnd = endOfLine(text, at);
    return { from: at, to: close >= 0 && close < lineEnd ? close + 1 : lineEnd };
  }
  const escaped = first === "\\" && text[at + 1] === '"';
  if (escaped || first === '"' || first === "'") {
    const quote = escaped ? '\\"' : first;
    const from = at + quote.length;
    const to = closingQuote(text, from, quote);
    return to === undefined || to === from ? undefined : { from, to };
  }
  const pattern = lineValued ? LINE_VALUE : SCHEME_VALUE;
  pattern.lastIndex = at;
  const value = pattern.exec(text)?.[0];
  if (!value || LITERAL.test(value) || SMALL_NUMBER.test(value.trimEnd())) return undefined;
  return { from: at, to: at + value.trimEnd().length };
}

/** The closing quote on the same line, skipping escapes; undefined when the string does not end there. */
function closingQuote(text: string, from: number, quote: string): number | undefined {
  const lineEnd = endOfLine(text, from);
  for (let i = from; i < lineEnd; i++) {
    if (text.startsWith(quote, i)) return i;
    if (quote !== '\\"' && text[i] === "\\") i++;
  }
  return undefined;
}

function endOfLine(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end < 0 ? text.length : end;
}
