import type { ProviderName } from "../../fakes/journal-types.ts";
import { providers } from "../../fakes/providers/registry.ts";

/** What a backend puts after the origin in its base-URL setting for this provider ("/v1", "/api/v1", ""). */
export function providerBasePath(provider: ProviderName): string {
  return providers[provider].baseUrlPath;
}
