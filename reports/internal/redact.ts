/**
 * Reports end up as CI artifacts and PR comments, so a secret that slipped into evidence (a
 * backend logging its upstream request, a probe quoting headers) is masked here as a last line:
 * DESIGN "secrets in journals and reports are redacted". The fake's journal already drops these
 * headers (fakes/redact.ts); this catches the copies in free text.
 */
export const REDACTED = "[redacted]";

const HEADER =
  /\b(authorization|proxy-authorization|x-api-key|x-goog-api-key|api-key)(\\?["']?\s*[:=]\s*\\?["']?)(?:(?:bearer|basic)\s+)?[^\s"'\\,;]+/gi;
const BEARER = /\b(bearer)\s+[A-Za-z0-9._~+/-]{8,}=*/gi;
// Provider key shapes: OpenAI/Anthropic "sk-...", Google "AIza...".
const KEYS = /\b(?:sk-[A-Za-z0-9_-]{16,}|AIza[A-Za-z0-9_-]{30,})/g;
const ENV = /\b([A-Z0-9_]*(?:API_KEY|APIKEY|_TOKEN|_SECRET|PASSWORD)[A-Z0-9_]*=)[^\s"'\\]+/g;
const QUERY = /([?&](?:key|api_key|api-key)=)[^&\s"'#]+/gi;

export function redactSecrets(text: string): string {
  return text
    .replace(HEADER, (_, name: string, sep: string) => `${name}${sep}${REDACTED}`)
    .replace(BEARER, (_, word: string) => `${word} ${REDACTED}`)
    .replace(KEYS, REDACTED)
    .replace(ENV, (_, prefix: string) => `${prefix}${REDACTED}`)
    .replace(QUERY, (_, prefix: string) => `${prefix}${REDACTED}`);
}

/** A deep copy with every string redacted: for results.json, which is otherwise written as is. */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactDeep(item)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item);
    return out as T;
  }
  return value;
}
