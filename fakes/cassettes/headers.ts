import type { CassetteHeader } from "./cassette.ts";

/** The first value of a header, any case (cassettes keep headers as sent, in pairs). */
export function headerValue(
  headers: readonly CassetteHeader[] | undefined,
  name: string,
): string | undefined {
  const lower = name.toLowerCase();
  return headers?.find(([n]) => n.toLowerCase() === lower)?.[1];
}
