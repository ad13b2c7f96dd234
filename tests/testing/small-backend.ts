import type { BackendConfig } from "../../harness/config.ts";

/**
 * A small backend written in a test, for the text-marker contract (POST /chatbot/chat {message},
 * text/plain, `<!--STREAM_ERROR:...-->` on a mid-stream failure), run as `node -e`. `handler` is the
 * body of its async request handler, with `req`, `res`, `body` (the parsed request) and
 * `relay(res, content, hooks)` in scope: relay asks the provider (at {{provider.url}}) for `content`
 * and streams the answer back the way a careful backend does; `hooks.onCutShort(why)` is called when
 * the client left or the provider stream broke.
 */
export function smallTextBackend(name: string, handler: string): BackendConfig {
  const script = `
const http = require("http");
const json = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};
async function relay(res, content, hooks = {}) {
  const controller = new AbortController();
  let finished = false;
  res.on("close", () => {
    if (finished) return;
    controller.abort();
    hooks.onCutShort?.("the client left");
  });
  let upstream;
  try {
    upstream = await fetch(process.env.PROVIDER_URL + "/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test-key" },
      body: JSON.stringify({ model: "gpt-4o-mini", stream: true, messages: [{ role: "user", content }] }),
      signal: controller.signal,
    });
  } catch (error) {
    console.error("relay: error: provider unreachable: " + error.message);
    finished = true;
    return json(res, 502, { error: "provider unreachable" });
  }
  if (!upstream.ok) {
    console.error("relay: error: provider answered HTTP " + upstream.status);
    finished = true;
    return json(res, 502, { error: "provider answered " + upstream.status });
  }
  res.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
  const decoder = new TextDecoder();
  let pending = "";
  try {
    for await (const chunk of upstream.body) {
      pending += decoder.decode(chunk, { stream: true });
      const lines = pending.split("\\n");
      pending = lines.pop();
      for (const line of lines) {
        const data = line.startsWith("data: ") ? line.slice(6).trim() : "";
        if (!data || data === "[DONE]") continue;
        const text = JSON.parse(data).choices?.[0]?.delta?.content;
        if (text) res.write(text);
      }
    }
    finished = true;
    res.end();
  } catch (error) {
    if (controller.signal.aborted) return;
    console.error("relay: error: the provider stream failed: " + error.message);
    finished = true;
    res.end("\\n\\n<!--STREAM_ERROR:the provider stream failed-->");
    hooks.onCutShort?.("the provider stream failed");
  }
}
http.createServer(async (req, res) => {
  if (req.url === "/health") return res.end("ok");
  let raw = "";
  for await (const chunk of req) raw += chunk;
  const body = raw ? JSON.parse(raw) : {};
  ${handler}
}).listen(Number(process.env.PORT), "127.0.0.1");
`;
  return {
    name,
    command: [process.execPath, "-e", script],
    env: { PORT: "{{port}}", PROVIDER_URL: "{{provider.url}}" },
    provider: "openai",
    contract: "text-marker",
    readyTimeoutMs: 10_000,
  };
}
