/** Secrets never reach the journal (DESIGN: secrets in journals and reports are redacted). */
const SECRET_HEADERS = new Set([
  "authorization",
  "x-api-key",
  "x-goog-api-key",
  "api-key",
  "proxy-authorization",
]);
const SECRET_QUERY = new Set(["key", "api_key", "api-key"]);

export const REDACTED = "[redacted]";

export function redactHeaders(raw: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    out[lower] = SECRET_HEADERS.has(lower) ? REDACTED : Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

export function redactQuery(search: string): string {
  const query = search.startsWith("?") ? search.slice(1) : search;
  if (query === "") return "";
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      return SECRET_QUERY.has(name.toLowerCase())
        ? `${pair.slice(0, eq < 0 ? pair.length : eq)}=${REDACTED}`
        : pair;
    })
    .join("&");
}
