import { anthropicMessages } from "./anthropic-messages.ts";
import { chatEvents } from "./chat-events.ts";
import type { Contract } from "./contract.ts";
import { openAiChunks } from "./openai-chunks.ts";

/** The streaming routes: three contracts over one relay core. */
export const routes: Record<string, Contract> = {
  "/v1/chat/completions": openAiChunks,
  "/chat": chatEvents,
  "/v1/messages": anthropicMessages,
};
