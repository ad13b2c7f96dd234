// A small backend that tells a test where a run is, by files in $MARKERS, so the test can kill the
// run at that moment. MODE: slow-start (marks "starting", never listens), hold (marks "request" and
// never finishes the answer), slow-stop (marks "stopping" on SIGTERM and ignores it), or normal.
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";

const { MODE, MARKERS, PORT } = process.env;
const mark = (name) => writeFileSync(join(MARKERS, name), String(process.pid));

if (MODE === "slow-start") {
  mark("starting");
  setInterval(() => {}, 1000);
} else {
  if (MODE === "slow-stop") process.on("SIGTERM", () => mark("stopping"));
  createServer((request, response) => {
    if (request.url === "/health") return response.end("ok");
    request.resume();
    response.writeHead(200, { "content-type": "text/event-stream" });
    if (MODE === "hold") {
      mark("request");
      response.write('data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n');
      return;
    }
    response.end('data: {"choices":[{"delta":{"content":"Hello"}}]}\n\ndata: [DONE]\n\n');
  }).listen(Number(PORT), "127.0.0.1");
}
