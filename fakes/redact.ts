/**
 * Secrets never reach the journal (DESIGN: secrets in journals and reports are redacted): the SUT
 * sends its real keys, cookies and tokens to the fake, and the journal is served over the admin API
 * and quoted in reports. The rules are lib/redact.ts's (names, shapes); this runs once per request
 * when the entry is opened, never per write.
 */
import { isSecretName, REDACTED, redactText } from "../lib/redact.ts";

/**
 * A parsed JSON body (or raw text): secret-named fields replaced at any depth, strings masked by
 * shape; what has nothing to mask is the body's own (the codec only reads it).
 */
export { redactShared as redactBody } from "../lib/redact.ts";

/** Lower-cased names, repeated headers joined: what the scripts match on. Secrets still in. */
export function headerRecord(raw: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  // Keys, not entries (here and below): no [name, value] array per header of every request.
  for (const name of Object.keys(raw)) {
    const value = raw[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Secret-named headers (authorization, cookie, x-*-token, *-key, ...) replaced, the rest masked by shape. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    out[name] = isSecretName(name) ? REDACTED : redactText(headers[name]!);
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
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
      return isSecretName(name)
        ? `${pair.slice(0, eq < 0 ? pair.length : eq)}=${REDACTED}`
        : redactText(pair);
    })
    .join("&");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
