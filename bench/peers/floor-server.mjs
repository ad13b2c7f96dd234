// The floor of `npm run bench:peers`: the least a node:http server can do for the same workload.
// Plain JavaScript (no loader), no routing, script, journal or pacing precision: any POST gets a
// chunked OpenAI-shaped stream of FLOOR_CHUNKS "abcd" events, each a precomputed string written
// with res.write, content event i due FLOOR_INTERVAL_MS * (i + 1) after the request (0: all at
// once). Due times are absolute (no drift), each wait a plain setTimeout. What is left is Node's
// HTTP parser and writer, its timers and the write syscall: no server on node:http spends less.
import { createServer } from "node:http";

const chunks = Number(process.env.FLOOR_CHUNKS);
const intervalMs = Number(process.env.FLOOR_INTERVAL_MS);
const port = Number(process.env.FLOOR_PORT);

const chunk = (delta, finish) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-floor",
    object: "chat.completion.chunk",
    created: 0,
    model: "gpt-4o",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })}\n\n`;
const ROLE = chunk({ role: "assistant", content: "" }, null);
const CONTENT = chunk({ content: "abcd" }, null);
const FINISH = `${chunk({}, "stop")}data: [DONE]\n\n`;
const HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

function stream(res) {
  const start = performance.now();
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    if (intervalMs === 0) {
      while (sent < chunks) {
        sent++;
        if (!res.write(CONTENT)) return res.once("drain", next);
      }
    } else {
      res.write(CONTENT);
      sent++;
    }
    if (sent === chunks) return res.end(FINISH);
    setTimeout(next, Math.max(0, start + (sent + 1) * intervalMs - performance.now()));
  };
  res.writeHead(200, HEADERS);
  res.write(ROLE);
  if (intervalMs === 0) next();
  else setTimeout(next, intervalMs);
}

createServer((req, res) => {
  req.resume();
  req.on("end", () => stream(res));
}).listen(port, "127.0.0.1");
