import { REDACTED, redactHeaders } from "../redact.ts";
import type { CassetteHeader } from "./cassette.ts";

/** Cookies are session secrets too; the journal's list (fakes/redact.ts) has no need of them. */
const COOKIES = new Set(["cookie", "set-cookie"]);

/**
 * A cassette's headers with the secrets replaced, pairs and case kept. fakes/redact.ts owns the list
 * of secret headers; it is asked, not copied, so a name added there is redacted here too.
 */
export function redactHeaderPairs(headers: readonly CassetteHeader[]): CassetteHeader[] {
  return headers.map(([name, value]) => [name, isSecretHeader(name) ? REDACTED : value]);
}

function isSecretHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return COOKIES.has(lower) || redactHeaders({ [lower]: "" })[lower] === REDACTED;
}

/** Node's flat `rawHeaders` ([name, value, name, value...]) as pairs. */
export function headerPairs(raw: readonly string[]): CassetteHeader[] {
  const pairs: CassetteHeader[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}
