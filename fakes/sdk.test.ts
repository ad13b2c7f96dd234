import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type StartedFakeProvider, startFakeProvider } from "./index.ts";

/** The official clients, pointed at the fake, read its clean streams and raise on its in-stream errors. */
let fake: StartedFakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake[Symbol.asyncDispose]();
});
beforeEach(async () => {
  await fake.reset();
  await fake.setScript({ content: { text: "The quick brown fox — naïve café." } });
});

const TEXT = "The quick brown fox — naïve café.";
const openai = () => new OpenAI({ apiKey: "sk-test", baseURL: fake.baseUrl("openai"), maxRetries: 0 });
const anthropic = () =>
  new Anthropic({ apiKey: "sk-ant-test", baseURL: fake.baseUrl("anthropic"), maxRetries: 0 });

describe("openai SDK", () => {
  it("chat: reads the full answer, the finish reason and the usage", async () => {
    const stream = await openai().chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let finish: string | null = null;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(TEXT);
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ prompt_tokens: 10 });
    const [entry] = fake.journal();
    expect(entry!.headers.authorization).toBe("[redacted]");
  });

  it("chat: raises APIError on the in-stream error", async () => {
    await fake.setScript({
      content: { text: TEXT },
      faults: [{ fault: "error-event", message: "boom upstream" }],
    });
    const stream = await openai().chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("boom upstream");
    expect(text).toBe(TEXT);
  });

  it("chat: a pre-stream 429 surfaces with its status", async () => {
    await fake.setScript({ faults: [{ fault: "http-error", status: 429 }] });
    const error = await openai()
      .chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "hi" }], stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("responses: reads the full answer and the completed response", async () => {
    const stream = await openai().responses.create({ model: "gpt-4o", input: "hi", stream: true });
    let text = "";
    let completed: { status?: string; output_text?: string } | undefined;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(text).toBe(TEXT);
    expect(completed?.status).toBe("completed");
  });

  it("responses: raises on the nested error event", async () => {
    await fake.setScript({
      faults: [{ fault: "error-event", shape: "nested", message: "responses failed" }],
    });
    const stream = await openai().responses.create({ model: "gpt-4o", input: "hi", stream: true });
    const error = await (async () => {
      for await (const _event of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("responses failed");
  });

  it("non-streaming chat returns the whole answer", async () => {
    const completion = await openai().chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(completion.choices[0]!.message.content).toBe(TEXT);
  });
});

describe("@anthropic-ai/sdk", () => {
  it("reads the full answer despite the padding and the ping", async () => {
    const stream = await anthropic().messages.create({
      model: "claude-sonnet-4-20250514",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    let stop: string | null | undefined;
    for await (const event of stream) {
      if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
      if (event.type === "message_delta") stop = event.delta.stop_reason;
    }
    expect(text).toBe(TEXT);
    expect(stop).toBe("end_turn");
    const headers = fake.journal()[0]!.headers;
    expect(headers["x-api-key"] ?? headers.authorization).toBe("[redacted]");
    expect(JSON.stringify(headers)).not.toContain("sk-ant-test");
  });

  it("raises on event: error", async () => {
    await fake.setScript({ faults: [{ fault: "error-event" }] });
    const stream = await anthropic().messages.create({
      model: "claude-sonnet-4-20250514",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const error = await (async () => {
      for await (const _event of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as Error).message).toContain("overloaded_error");
  });

  it("a pre-stream 529 surfaces as overloaded", async () => {
    await fake.setScript({ faults: [{ fault: "http-error", status: 529 }] });
    const error = await anthropic()
      .messages.create({
        model: "claude-sonnet-4-20250514",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as Error).message).toContain("overloaded_error");
  });
});
