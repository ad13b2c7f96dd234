import { describe, expect, test } from "vitest";
import { startFakeProvider } from "./index.ts";
import type { ProviderName } from "./journal-types.ts";

/**
 * `{token: n}` places a fault before the n-th content token whatever preamble a provider sends
 * (OpenAI's role chunk, Anthropic's message_start/content_block_start, Responses' created/added...),
 * so one provider-neutral scenario cuts every provider's stream after the same number of tokens.
 */
const routes: Array<[ProviderName, string]> = [
  ["openai", "/v1/chat/completions"],
  ["openai-responses", "/v1/responses"],
  ["anthropic", "/v1/messages"],
  ["gemini", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"],
  ["openrouter", "/api/v1/chat/completions"],
  ["ollama", "/api/chat"],
];

describe("token placement", () => {
  test.each(routes)("%s: a fin at {token: 3} lets exactly three tokens out", async (provider, path) => {
    await using fake = await startFakeProvider({
      script: {
        content: { tokens: ["a ", "b ", "c ", "d ", "e "] },
        faults: [{ fault: "fin", at: { token: 3 } }],
      },
    });
    const response = await fetch(`${fake.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    await response.text().catch(() => "");
    const [entry] = await fake.waitFor({ event: "response-ended" }, 5_000);
    expect(entry!.provider).toBe(provider);
    expect(entry!.events.filter((e) => e.kind === "content").map((e) => e.text)).toEqual(["a ", "b ", "c "]);
    expect(entry!.faults.map((f) => f.at)).toEqual(["token:3"]);
  });

  test("past the last token it fires before the finish, and bad values are named", async () => {
    await using fake = await startFakeProvider();
    await expect(fake.setScript({ faults: [{ fault: "fin", at: { token: -1 } }] })).rejects.toThrow(/token/);
  });
});
