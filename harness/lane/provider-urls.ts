import type { ProviderName } from "../../fakes/journal-types.ts";
import { providers } from "../../fakes/providers/registry.ts";
import type { BackendSpec } from "../boxes/runtime.ts";

/** What a backend puts after the origin in its base-URL setting for this provider ("/v1", "/api/v1", ""). */
export function providerBasePath(provider: ProviderName): string {
  return providers[provider].baseUrlPath;
}

/** Fills `{{provider.url}}` and `{{provider.<name>.url}}` in the backend's env with hop C addresses. */
export function withProviderUrls(spec: BackendSpec, provider: ProviderName, origin: string): BackendSpec {
  const vars: Record<string, string> = {
    "provider.url": `${origin}${providerBasePath(provider)}`,
    "provider.origin": origin,
    "provider.name": provider,
  };
  for (const name of ["openai", "openai-responses", "anthropic", "gemini", "openrouter", "ollama"] as const) {
    vars[`provider.${name}.url`] = `${origin}${providerBasePath(name)}`;
  }
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(spec.env)) {
    env[key] = value.replace(
      /\{\{\s*(provider(?:\.[\w-]+)*)\s*\}\}/g,
      (whole, name: string) => vars[name] ?? whole,
    );
  }
  return { ...spec, env };
}
