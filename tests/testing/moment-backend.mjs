// A small backend that tells a test where a run is, by files in $MARKERS, so the test can kill the
// run at that moment. MODE: slow-start (marks "starting", never listens), hold (marks "request" and
// never finishes the answer), slow-stop (marks "stopping" on SIGTERM and ignores it), or normal.
// Every other answer is relayed from the provider (PROVIDER_URL), as the run's smoke exchange requires.
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const { MODE, MARKERS, PORT, PROVIDER_URL } = process.env;
const mark = (name) => writeFileSync(join(MARKERS, name), String(process.pid));

if (MODE === "slow-start") {
  mark("starting");
  setInterval(() => {}, 1000);
} else {
  if (MODE === "slow-stop") process.on("SIGTERM", () => mark("stopping"));
  createServer(async (request, response) => {
    if (request.url === "/health") return response.end("ok");
    let body = "";
    for await (const chunk of request) body += chunk;
    response.writeHead(200, { "content-type": "text/event-stream" });
    // The smoke exchange before the catalog is relayed; the scenario's request is held.
    if (MODE === "hold" && !body.includes("-smoke]")) {
      mark("request");
      response.write('data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n');
      return;
    }
    const upstream = await fetch(`${PROVIDER_URL}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    for await (const chunk of upstream.body) response.write(chunk);
    response.end();
  }).listen(Number(PORT), "127.0.0.1");
}
