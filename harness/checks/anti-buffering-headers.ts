import type { Evidence } from "../results.ts";
import { defineCheck, fail, notApplicable, pass } from "./check.ts";
import { exchangeAt, header } from "./evidence.ts";

/**
 * Incident 003 ("these headers work together"): without `X-Accel-Buffering: no` nginx buffers the
 * stream, and without `Cache-Control: no-cache` intermediaries may. nginx strips X-Accel-Buffering
 * from what it forwards (it is in ngx_http_proxy_hide_headers, wire-formats B1), so behind nginx
 * that header cannot be seen at the client and is judged by incremental-delivery instead.
 */
export default defineCheck({
  name: "anti-buffering-headers",
  judgesTiming: true,
  description:
    "Streaming responses carry Cache-Control: no-cache and X-Accel-Buffering: no (and an SSE content type for SSE)",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation } = exchange;
    const response = observation.response;
    if (!response || response.statusCode >= 300) return notApplicable("no streaming response to inspect");
    const problems: string[] = [];
    const evidence: Evidence[] = [];
    const cacheControl = header(observation, "cache-control");
    const accel = header(observation, "x-accel-buffering");
    const contentType = header(observation, "content-type");
    evidence.push({ kind: "header", label: "Cache-Control", value: cacheControl ?? "(missing)" });
    evidence.push({ kind: "header", label: "X-Accel-Buffering", value: accel ?? "(missing)" });
    evidence.push({ kind: "header", label: "Content-Type", value: contentType ?? "(missing)" });
    if (!cacheControl || !/no-cache|no-store/i.test(cacheControl))
      problems.push("Cache-Control lacks no-cache");
    if (context.edge.name === "nginx") {
      evidence.push({
        kind: "note",
        label: "nginx",
        value: "nginx hides X-Accel-Buffering from the client; not judged here",
      });
    } else if (accel?.trim().toLowerCase() !== "no") {
      problems.push("X-Accel-Buffering: no is missing");
    }
    if (context.contract.framing === "sse" && !/text\/event-stream/i.test(contentType ?? "")) {
      problems.push("Content-Type is not text/event-stream");
    }
    if (problems.length)
      return fail(`${problems.join("; ")}: a reverse proxy may buffer the stream`, evidence);
    return pass("anti-buffering headers present", evidence);
  },
});
