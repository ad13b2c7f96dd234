export interface Usage {
  inputTokens: number;
  outputTokens: number;
  source: "upstream" | "estimate";
}

export interface AccountingInput {
  upstreamUsage: { inputTokens: number; outputTokens: number } | undefined;
  promptText: string;
  answerText: string;
  /** Bug `accounting-failure`: refuse to estimate, as incident 002's credit code did. */
  requireUpstreamUsage: boolean;
}

/** Roughly four characters per token: the estimate incident 002's provider fell back to. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function account(input: AccountingInput): Usage {
  if (input.upstreamUsage) return { ...input.upstreamUsage, source: "upstream" };
  if (input.requireUpstreamUsage) {
    throw new Error("accounting failed: the upstream sent no usage chunk, cannot price the answer");
  }
  return {
    inputTokens: estimateTokens(input.promptText),
    outputTokens: estimateTokens(input.answerText),
    source: "estimate",
  };
}
