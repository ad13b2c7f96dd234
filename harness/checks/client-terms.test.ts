import { describe, expect, test } from "vitest";
import type { ProbeObservation } from "../probe/observation.ts";
import cleanTermination from "./clean-termination.ts";
import errorMarker from "./error-marker-after-failure.ts";
import { chunkData, context, exchange, sseObservation } from "./testing/builders.ts";

/** The same SSE events as h1 saw them, as the h2 probe reports a stream ended `how`. */
function asH2(
  base: ProbeObservation,
  how: "end-stream" | "rst-stream" | "connection-closed",
): ProbeObservation {
  const clean = how === "end-stream";
  return {
    ...base,
    client: "h2",
    response: { ...base.response!, httpVersion: "2", framing: "h2" },
    terminatorSeen: clean,
    complete: clean,
    end: {
      kind: clean ? "clean" : how === "rst-stream" ? "rst" : "fin-mid-body",
      t: base.end.t,
      h2: { how, by: "server", ...(how === "rst-stream" ? { code: 2, codeName: "INTERNAL_ERROR" } : {}) },
    },
    fetchView: { outcome: "not-run" },
    h2: {
      alpn: "h2",
      streamId: 1,
      frames: [
        {
          t: base.end.t - 1,
          direction: "in",
          type: "HEADERS",
          flags: ["END_HEADERS"],
          streamId: 1,
          length: 40,
        },
        {
          t: base.end.t,
          direction: "in",
          type: clean ? "DATA" : "RST_STREAM",
          flags: clean ? ["END_STREAM"] : [],
          streamId: 1,
          length: clean ? 0 : 4,
          ...(clean ? { dataLength: 0 } : { errorCode: 2, errorName: "INTERNAL_ERROR" }),
        },
      ],
    },
  };
}

/** What Chromium's fetch() reader reported: done, or the error it caught after the text that reached it. */
function asBrowser(base: ProbeObservation, caught?: string): ProbeObservation {
  return {
    ...base,
    client: "browser",
    response: { ...base.response!, httpVersion: "2", framing: "opaque" },
    chunks: [],
    terminatorSeen: caught === undefined,
    complete: caught === undefined,
    end: caught
      ? { kind: "network-error", t: base.end.t, detail: `the body reader threw: TypeError: ${caught}` }
      : { kind: "clean", t: base.end.t },
    fetchView: { outcome: "not-run" },
    browser: {
      api: "fetch",
      chromium: "156.0.8078.114",
      outcome: caught ? "error" : "complete",
      ...(caught
        ? { error: { name: "TypeError", message: caught, t: base.end.t, phase: "read" as const } }
        : {}),
      nextHopProtocol: "h2",
      clock: { offsetMs: 0, uncertaintyMs: 0.1 },
    },
  };
}

const MARKER = JSON.stringify({ error: { message: "upstream failed", type: "upstream_error" } });
const whole = sseObservation([
  { at: 5, data: chunkData("a") },
  { at: 10, data: "[DONE]" },
]);
const cut = sseObservation([{ at: 5, data: chunkData("a") }], { terminator: false });
const marked = sseObservation([
  { at: 5, data: chunkData("a") },
  { at: 10, data: MARKER },
  { at: 11, data: "[DONE]" },
]);

describe("h2 and the browser are judged in their own terms, with h1's verdicts", () => {
  test("clean-termination: END_STREAM and a finished reader pass; RST_STREAM, a lost connection and a caught error fail", () => {
    const judge = (o: ProbeObservation) => cleanTermination.run(context([exchange(o)]), {});
    expect(judge(whole).status).toBe("pass");
    expect(judge(asH2(whole, "end-stream"))).toMatchObject({
      status: "pass",
      summary: /END_STREAM received/,
    });
    expect(judge(asBrowser(whole))).toMatchObject({ status: "pass", summary: /reader finished/ });

    expect(judge(cut).status).toBe("fail");
    const reset = judge(asH2(cut, "rst-stream"));
    expect(reset).toMatchObject({
      status: "fail",
      summary: /RST_STREAM\(INTERNAL_ERROR\) before END_STREAM/,
    });
    expect(reset.evidence?.some((e) => /RST_STREAM s1 INTERNAL_ERROR/.test(e.value))).toBe(true);
    expect(judge(asH2(cut, "connection-closed"))).toMatchObject({
      status: "fail",
      summary: /connection closed \(FIN\) before END_STREAM/,
    });
    const page = judge(asBrowser(cut, "network error"));
    expect(page).toMatchObject({ status: "fail", summary: /page caught TypeError: network error/ });
    expect(page.evidence?.some((e) => e.label === "what the page saw" && /Chromium 156/.test(e.value))).toBe(
      true,
    );
  });

  test("error-marker-after-failure reads what reached the page", () => {
    const judge = (o: ProbeObservation) => errorMarker.run(context([exchange(o)]), {});
    expect(judge(marked).status).toBe("pass");
    expect(judge(asH2(marked, "end-stream")).status).toBe("pass");
    expect(judge(asBrowser(marked))).toMatchObject({ status: "pass", summary: /reached the page/ });
    expect(judge(cut).status).toBe("fail");
    expect(judge(asH2(cut, "rst-stream")).status).toBe("fail");
    expect(judge(asBrowser(cut, "network error"))).toMatchObject({
      status: "fail",
      summary: /no openai-relay error marker reached the page \(the page caught TypeError: network error/,
    });
  });
});
