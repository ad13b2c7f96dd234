import { describe, expect, test } from "vitest";
import { defineContract, eventSourceRequest, eventSourceTemplateProblem } from "./index.ts";
import { openaiRelay } from "./openai-relay.ts";
import { sseStatusDeltaDone } from "./sse-status-delta-done.ts";
import { textMarker } from "./text-marker.ts";

describe("how a page opens a contract's stream with EventSource", () => {
  test("a preset's eventSource template fills the message, session and model, URL-encoded", () => {
    const contract = sseStatusDeltaDone({ eventSource: "/stream?q={message}&s={session}&m={model}" });
    expect(
      eventSourceRequest(contract, { message: "hi there & [n1]", sessionId: "s/1", model: "x" }),
    ).toEqual({
      ok: true,
      path: "/stream?q=hi%20there%20%26%20%5Bn1%5D&s=s%2F1&m=x",
    });
  });

  test("a contract whose own request is a plain GET needs no template", () => {
    const contract = defineContract({
      ...openaiRelay(),
      request: ({ message }) => ({
        method: "GET",
        path: `/sse?q=${encodeURIComponent(message)}`,
        headers: { accept: "text/event-stream" },
      }),
    });
    expect(eventSourceRequest(contract, { message: "a" })).toEqual({ ok: true, path: "/sse?q=a" });
  });

  test("POST-only and non-SSE contracts say why EventSource cannot be used", () => {
    const post = eventSourceRequest(openaiRelay(), { message: "a" });
    expect(post).toMatchObject({ ok: false });
    expect(!post.ok && post.reason).toMatch(
      /sends POST \/v1\/chat\/completions with a body with headers \(content-type\): give the contract an `eventSource`/,
    );
    const text = eventSourceRequest(textMarker(), { message: "a" });
    expect(!text.ok && text.reason).toMatch(/EventSource reads SSE only/);
  });

  test("a template that cannot carry the message, or names an unknown placeholder, is refused", () => {
    expect(eventSourceTemplateProblem("/stream?q={message}")).toBeUndefined();
    expect(eventSourceTemplateProblem("stream?q={message}")).toMatch(/starting with "\/"/);
    expect(eventSourceTemplateProblem("/stream")).toMatch(/must carry the message/);
    expect(eventSourceTemplateProblem("/stream?q={message}&u={user}")).toMatch(
      /\{user\} is not a placeholder/,
    );
  });
});
