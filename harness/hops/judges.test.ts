import { describe, expect, it } from "vitest";
import { markerJudge, providerStreamJudge } from "./judges.ts";

const sse: Array<[string, string]> = [["Content-Type", "text/event-stream; charset=utf-8"]];
const judge = (body: string, headers = sse, status = 200) =>
  providerStreamJudge({ status, headers, body: Buffer.from(body) });

describe("providerStreamJudge", () => {
  it.each([
    ["OpenAI [DONE]", 'data: {"choices":[]}\n\ndata: [DONE]\n\n', "complete"],
    ["Anthropic message_stop", 'event: message_stop\ndata: {"type":"message_stop"}\n\n', "complete"],
    ["Responses response.completed", "event: response.completed\ndata: {}\n\n", "complete"],
    ["Gemini finishReason", 'data: {"candidates": [{"finishReason": "STOP"}]}\r\n\r\n', "complete"],
    ["Anthropic event: error", 'event: error\ndata: {"type": "error"}\n\n', "error-marker"],
    ["OpenAI in-band error", 'data: {"error": {"message": "x"}}\n\n', "error-marker"],
    ["a stream that just stops", 'data: {"choices":[]}\n\n', "incomplete"],
  ])("%s", (_, body, verdict) => {
    expect(judge(body)).toBe(verdict);
  });

  it("Ollama's NDJSON, and nothing to say of a pre-stream error or another type", () => {
    const ndjson: Array<[string, string]> = [["content-type", "application/x-ndjson"]];
    expect(judge('{"done":false}\n{"done":true}\n', ndjson)).toBe("complete");
    expect(judge('{"done":false}\n', ndjson)).toBe("incomplete");
    expect(judge("{}", sse, 401)).toBeUndefined();
    expect(judge("hello", [["content-type", "text/plain"]])).toBeUndefined();
  });
});

describe("markerJudge", () => {
  const marker = /<!--STREAM_ERROR:(.+?)-->$/;
  it("finds the app's marker; without a done signal it says nothing else", () => {
    const bare = markerJudge({ marker });
    const read = (body: string) => bare({ status: 200, headers: [], body: Buffer.from(body) });
    expect(read("partial\n\n<!--STREAM_ERROR:boom-->")).toBe("error-marker");
    expect(read("a whole answer")).toBeUndefined();
    const withDone = markerJudge({ marker, done: /"type":"done"/ });
    expect(withDone({ status: 200, headers: [], body: Buffer.from('{"type":"delta"}') })).toBe("incomplete");
  });
});
