/**
 * The fake LLM providers: one HTTP server speaking OpenAI (chat and responses), Anthropic, Gemini,
 * OpenRouter and Ollama byte for byte, driven by provider-neutral scripts with fault steps.
 */
export * from "./cassettes/index.ts";
export { cassettePath } from "./cassettes/replay-check.ts";
export { FakeProviderClient } from "./client.ts";
export type { FaultDefinition, Phase, Placement } from "./faults/fault.ts";
export { faultNames, faults } from "./faults/registry.ts";
export type { JournalPredicate, WaitCondition } from "./journal.ts";
export { conditionPredicate } from "./journal.ts";
export type { ClientClose, FiredFault, JournalEntry, JournalEvent, ProviderName } from "./journal-types.ts";
export { isProviderName, providerNames, providers } from "./providers/registry.ts";
export type { FaultStep, Script, ScriptContent, ScriptIssue, ScriptPacing } from "./script.ts";
export { checkScript, validateScript } from "./script.ts";
export type { ScriptMatch } from "./script-book.ts";
export type { FakeProviderOptions, StartedFakeProvider } from "./server.ts";
export { startFakeProvider } from "./server.ts";
export type { FinishReason } from "./types.ts";
