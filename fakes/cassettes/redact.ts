import { isSecretName, REDACTED, redactText } from "../../lib/redact.ts";
import type { CassetteHeader } from "./cassette.ts";

/**
 * A cassette's headers with the secrets replaced, pairs and case kept: the same rules as the
 * journal's (lib/redact.ts: secret-looking names, credential shapes in any value).
 */
export function redactHeaderPairs(headers: readonly CassetteHeader[]): CassetteHeader[] {
  return headers.map(([name, value]) => [name, isSecretName(name) ? REDACTED : redactText(value)]);
}

/** Node's flat `rawHeaders` ([name, value, name, value...]) as pairs. */
export function headerPairs(raw: readonly string[]): CassetteHeader[] {
  const pairs: CassetteHeader[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}
