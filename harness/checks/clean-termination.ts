import { defineCheck, fail, pass } from "./check.ts";
import { bytesEvidence, endEvidence, exchangeAt, logEvidence, rawBytes, statusEvidence } from "./evidence.ts";

/**
 * Incident 000 issue 2: a stream cut without its terminating `0\r\n\r\n` makes fetch() throw
 * `TypeError: terminated` and nginx log "upstream prematurely closed connection". The response must
 * end per its framing, whatever went wrong upstream.
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
    const evidence = [
      statusEvidence(observation),
      endEvidence(observation),
      bytesEvidence("last raw bytes at the probe", rawBytes(observation), 80),
      {
        kind: "note" as const,
        label: "what fetch() saw",
        value: `${observation.fetchView.outcome}${observation.fetchView.error ? `: ${observation.fetchView.error}` : ""}`,
      },
      ...logEvidence(`${context.edge.name} log`, edgeLines, 3),
    ];
    if (!observation.response)
      return fail("no HTTP response: the connection ended before a status line", evidence);
    if (observation.end.kind === "clean" && observation.complete) {
      const how =
        observation.response.framing === "chunked"
          ? "terminating chunk 0\\r\\n\\r\\n received"
          : `complete ${observation.response.framing} body`;
      return pass(`${how}; connection ended cleanly`, evidence);
    }
    const why =
      observation.end.kind === "rst"
        ? "the connection was reset (RST)"
        : observation.end.kind === "timeout"
          ? "the response never finished (probe timeout)"
          : observation.response.framing === "chunked"
            ? "the connection closed without the terminating chunk 0\\r\\n\\r\\n"
            : `the body ended incomplete (${observation.end.kind})`;
    return fail(`${why}; a fetch() consumer gets ${observation.fetchView.outcome}`, evidence);
  },
});
