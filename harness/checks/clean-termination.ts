import { defineCheck, fail, pass } from "./check.ts";
import {
  bytesEvidence,
  consumerEvidence,
  describeBreak,
  endEvidence,
  exchangeAt,
  framesEvidence,
  logEvidence,
  rawBytes,
  statusEvidence,
} from "./evidence.ts";

/**
 * Incident 000 issue 2: a stream cut without its terminating `0\r\n\r\n` makes fetch() throw
 * `TypeError: terminated` and nginx log "upstream prematurely closed connection". The response must
 * end per its framing, whatever went wrong upstream. On h2 the clean end is END_STREAM and a break is
 * RST_STREAM, GOAWAY or the connection ending first; in the browser it is the page's reader finishing,
 * or the error it caught.
 */
export default defineCheck({
  name: "clean-termination",
  description:
    "The response ends per its framing: chunked `0\\r\\n\\r\\n` (or full Content-Length) and no reset",
  run(context, options) {
    const exchange = exchangeAt(context, options);
    if (!exchange) return fail("the probe made no request");
    const { observation } = exchange;
    const edgeLines = context.edgeLogs.filter((l) =>
      /prematurely|incomplete response|reading from backend|timed out/i.test(l.line),
    );
    const client = observation.client ?? "h1";
    const evidence = [
      statusEvidence(observation),
      endEvidence(observation),
      ...(client === "h2" ? framesEvidence(observation) : []),
      ...(client === "browser"
        ? []
        : [bytesEvidence("last raw bytes at the probe", rawBytes(observation), 80)]),
      ...consumerEvidence(observation),
      ...logEvidence(`${context.edge.name} log`, edgeLines, 3),
    ];
    if (!observation.response)
      return fail("no HTTP response: the connection ended before a status line", evidence);
    if (observation.end.kind === "clean" && observation.complete) {
      const how =
        client === "h2"
          ? "END_STREAM received"
          : client === "browser"
            ? observation.browser?.api === "eventsource"
              ? "the page closed EventSource on the stream's end signal"
              : "the page's reader finished"
            : observation.response.framing === "chunked"
              ? "terminating chunk 0\\r\\n\\r\\n received"
              : `complete ${observation.response.framing} body`;
      return pass(`${how}; ${client === "h1" ? "connection" : "stream"} ended cleanly`, evidence);
    }
    const consumer =
      client === "h1"
        ? `; a fetch() consumer gets ${observation.fetchView.outcome}`
        : client === "h2" && (observation.end.kind === "rst" || observation.end.kind === "fin-mid-body")
          ? "; a browser's fetch() reader gets TypeError: network error"
          : "";
    return fail(`${describeBreak(observation)}${consumer}`, evidence);
  },
});
