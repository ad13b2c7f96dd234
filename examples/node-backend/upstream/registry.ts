import { anthropicAdapter } from "./anthropic.ts";
import { geminiAdapter } from "./gemini.ts";
import { openAiAdapter } from "./openai.ts";
import type { ProviderAdapter } from "./types.ts";

export const providers = {
  openai: openAiAdapter("openai"),
  openrouter: openAiAdapter("openrouter"),
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
} satisfies Record<string, ProviderAdapter>;

export type ProviderName = keyof typeof providers;

export const providerNames = Object.keys(providers) as ProviderName[];

export function isProviderName(name: string): name is ProviderName {
  return Object.hasOwn(providers, name);
}
