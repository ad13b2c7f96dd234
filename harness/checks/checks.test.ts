import { describe, expect, test } from "vitest";
import { textMarker } from "../contracts/text-marker.ts";
import answerIntact from "./answer-intact.ts";
import antiBuffering from "./anti-buffering-headers.ts";
import loggedFailure from "./backend-logged-failure.ts";
import survived from "./backend-survived.ts";
import cleanTermination from "./clean-termination.ts";
import errorMarker from "./error-marker-after-failure.ts";
import errorStatus from "./error-status-before-first-byte.ts";
import incremental from "./incremental-delivery.ts";
import { loadChecks } from "./index.ts";
import keepalives from "./keepalives-during-stall.ts";
import noFalseMarker from "./no-false-error-marker.ts";
import noRejected from "./no-rejected-parameter.ts";
import noStale from "./no-stale-tokens.ts";
import semantic from "./semantic-completion.ts";
import { chunkData, context, exchange, journalEntry, sseObservation } from "./testing/builders.ts";
import timely from "./timely-give-up.ts";
import cancelled from "./upstream-cancelled.ts";

const tokens = ["Hel", "lo ", "wor", "ld"];
const paced = (gap: number) => tokens.map((text, i) => ({ at: 10 + i * gap, text }));
const cleanStream = (gap = 200) =>
  sseObservation([
    ...paced(gap).map((t) => ({ at: t.at + 2, data: chunkData(t.text) })),
    { at: 10 + tokens.length * gap, data: "[DONE]" },
  ]);

describe("checks", () => {
  test("the registry loads every check file by name", async () => {
    const checks = await loadChecks();
    expect(checks.size).toBeGreaterThanOrEqual(15);
    expect(checks.get("clean-termination")).toBe(cleanTermination);
  });

  test("a clean, paced stream passes the completion checks", () => {
    const ctx = context([exchange(cleanStream(), [journalEntry(paced(200))])]);
    for (const check of [
      cleanTermination,
      semantic,
      noFalseMarker,
      answerIntact,
      antiBuffering,
      incremental,
    ]) {
      expect(check.run(ctx, {}), check.name).toMatchObject({ status: "pass" });
    }
  });

  test("clean-termination fails on a body cut without 0\\r\\n\\r\\n and quotes what fetch saw", () => {
    const ctx = context([exchange(sseObservation([{ at: 5, data: chunkData("a") }], { terminator: false }))]);
    const outcome = cleanTermination.run(ctx, {});
    expect(outcome.status).toBe("fail");
    expect(outcome.summary).toContain("without the terminating chunk");
    expect(outcome.evidence?.some((e) => e.value.includes("terminated"))).toBe(true);
  });

  test("error-status-before-first-byte: 200, HTML page, missing response, JSON error", () => {
    const ok = sseObservation([{ at: 5, data: chunkData("a") }]);
    expect(errorStatus.run(context([exchange(ok)]), {}).status).toBe("fail");
    const html = sseObservation([], {
      status: 502,
      headers: [["Content-Type", "text/html"]],
      body: "<html><center>nginx</center></html>",
    });
    expect(errorStatus.run(context([exchange(html)]), {}).summary).toContain("HTML error page");
    const none = { ...ok, response: undefined, end: { kind: "fin-mid-body" as const, t: 1 } };
    expect(errorStatus.run(context([exchange(none)]), {}).summary).toContain("no HTTP response");
    const json = sseObservation([], {
      status: 502,
      headers: [["Content-Type", "application/json"]],
      body: '{"error":{"message":"upstream 401"}}',
    });
    expect(errorStatus.run(context([exchange(json)]), {}).status).toBe("pass");
  });

  test("error-marker-after-failure: present, absent, not applicable on an HTTP error", () => {
    const marked = sseObservation([
      { at: 5, data: chunkData("a") },
      { at: 9, data: '{"error":{"message":"boom"}}' },
    ]);
    expect(errorMarker.run(context([exchange(marked)]), {}).status).toBe("pass");
    const unmarked = sseObservation([{ at: 5, data: chunkData("a") }], { terminator: false });
    expect(errorMarker.run(context([exchange(unmarked)]), {}).status).toBe("fail");
    const http = sseObservation([], {
      status: 502,
      headers: [["Content-Type", "application/json"]],
      body: "{}",
    });
    expect(errorMarker.run(context([exchange(http)]), {}).status).toBe("not-applicable");
  });

  test("no-false-error-marker fails when a complete answer carries the marker", () => {
    const obs = sseObservation([
      { at: 5, data: chunkData("a") },
      { at: 9, data: '{"error":{"message":"Attempted to exit cancel scope"}}' },
    ]);
    const outcome = noFalseMarker.run(context([exchange(obs, [journalEntry(paced(1))])]), {});
    expect(outcome.status).toBe("fail");
    expect(outcome.summary).toContain("cancel scope");
  });

  test("semantic-completion: missing done, unterminated tail, not applicable without a done signal", () => {
    const noDone = sseObservation([{ at: 5, data: chunkData("a") }]);
    expect(semantic.run(context([exchange(noDone)]), {}).status).toBe("fail");
    const tail = cleanStream();
    tail.sse.unterminatedTail = "data: [DONE]";
    expect(semantic.run(context([exchange(tail)]), {}).summary).toContain("blank line");
    const text = textMarker();
    expect(semantic.run(context([exchange(cleanStream(), [], text)], {}, text), {}).status).toBe(
      "not-applicable",
    );
  });

  test("answer-intact points at the first differing character", () => {
    const obs = sseObservation([
      { at: 5, data: chunkData("Hel") },
      { at: 6, data: chunkData("lo wor") },
      { at: 7, data: "[DONE]" },
    ]);
    const outcome = answerIntact.run(context([exchange(obs, [journalEntry(paced(1))])]), {});
    expect(outcome.status).toBe("fail");
    expect(outcome.summary).toContain("character 9");
  });

  test("incremental-delivery fails when tokens emitted over 600 ms arrive in one burst at the end", () => {
    const burst = sseObservation([
      ...tokens.map((t) => ({ at: 700, data: chunkData(t) })),
      { at: 701, data: "[DONE]" },
    ]);
    const outcome = incremental.run(context([exchange(burst, [journalEntry(paced(200))])]), {});
    expect(outcome.status).toBe("fail");
  });

  test("anti-buffering-headers: missing headers fail; nginx hides X-Accel-Buffering so only Cache-Control is judged", () => {
    const bare = sseObservation([{ at: 5, data: chunkData("a") }], {
      headers: [["Content-Type", "text/event-stream"]],
    });
    expect(antiBuffering.run(context([exchange(bare)]), {}).summary).toContain("X-Accel-Buffering");
    const behindNginx = sseObservation([{ at: 5, data: chunkData("a") }], {
      headers: [
        ["Content-Type", "text/event-stream"],
        ["Cache-Control", "no-cache"],
      ],
    });
    expect(
      antiBuffering.run(context([exchange(behindNginx)], { edge: { name: "nginx", profile: "default" } }), {})
        .status,
    ).toBe("pass");
  });

  describe("keepalives-during-stall: silence across the stall, as the client saw it", () => {
    // The provider stalls 4000 ms after its second token (t0+100 .. t0+4100); keepaliveMs 1000,
    // so the client may see at most 2400 ms of silence.
    const stalled = journalEntry(
      [
        { at: 50, text: "a" },
        { at: 4150, text: "b" },
      ],
      { faults: [{ fault: "stall", at: "event:2", t: 1_000_100 }] },
    );
    const scenario = {
      ...context([]).scenario,
      script: { faults: [{ fault: "stall", at: { token: 2 }, ms: 4000 }] },
    };
    const judge = (observation: ReturnType<typeof sseObservation>, extra = {}) =>
      keepalives.run(
        context([exchange(observation, [stalled])], {
          scenario,
          backend: { name: "b", keepaliveMs: 1000, upstreamTimeoutMs: 30_000 },
          ...extra,
        }),
        {},
      );
    const tokens = [
      { at: 52, data: chunkData("a") },
      { at: 4152, data: chunkData("b") },
      { at: 4160, data: "[DONE]" },
    ];

    test("no keepalive through a 4 s stall fails (the old fixed 1.8 s stall, bound 2 s, passed it)", () => {
      const outcome = judge(sseObservation(tokens));
      expect(outcome.status).toBe("fail");
      expect(outcome.summary).toBe(
        "the client got nothing for 4100 ms during the provider stall (allowed 2400 ms): proxies and clients will time out",
      );
    });

    test("keepalives every second pass", () => {
      const outcome = judge(sseObservation(tokens, { comments: [1050, 2050, 3050, 4050] }));
      expect(outcome).toMatchObject({
        status: "pass",
        summary: "longest silence 1000 ms during the 4000 ms provider stall (allowed 2400 ms), 4 keepalives",
      });
    });

    test("a stream a proxy cut after its read timeout is silence up to the cut, then nothing", () => {
      // Before: only gaps between reads counted, so this passed with "longest silence 51 ms".
      const cut = sseObservation([{ at: 52, data: chunkData("a") }], { terminator: false });
      cut.end = { kind: "fin-mid-body", t: 1_002_052 };
      const outcome = judge(cut, {
        edge: { name: "nginx", profile: "short-timeouts" },
        edgeLogs: [
          { t: 1_002_050, line: "upstream timed out (110: Connection timed out)", source: "error.log" },
        ],
      });
      expect(outcome.status).toBe("fail");
      expect(outcome.summary).toBe(
        "the proxy (nginx:short-timeouts) cut the stream after 2000 ms of silence during the provider stall; the client got nothing for the remaining 2048 ms of it (allowed silence 2400 ms)",
      );
    });

    test("not applicable: no stall fired, no declared interval, a text framing", () => {
      expect(
        keepalives.run(context([exchange(sseObservation(tokens), [journalEntry(paced(10))])]), {}).summary,
      ).toBe(
        "the provider never stalled for this request (no stall fault fired), so there was nothing to keep alive",
      );
      const undeclared = keepalives.run(
        context([exchange(sseObservation(tokens), [stalled])], { scenario, backend: { name: "b" } }),
        {},
      );
      expect(undeclared.summary).toBe(
        'backend "b" declares no keepaliveMs, so there is no interval to hold its keepalives to',
      );
      const text = textMarker();
      expect(keepalives.run(context([exchange(sseObservation(tokens), [], text)], {}, text), {}).status).toBe(
        "not-applicable",
      );
    });
  });

  test("upstream-cancelled: closed during the response in time passes; never closed fails; finished first is not applicable", () => {
    const obs = sseObservation([{ at: 5, data: chunkData("a") }], {
      end: "client-disconnect",
      terminator: false,
    });
    obs.disconnect = { reason: "afterEvents 1", t: 1_000_100 };
    const inTime = journalEntry(paced(200), {
      outcome: "client-closed",
      clientClose: { t: 1_000_150, how: "fin", duringResponse: true },
    });
    expect(cancelled.run(context([exchange(obs, [inTime])]), {}).status).toBe("pass");
    const never = journalEntry(paced(200), {
      outcome: "complete",
      t: { received: 1, responseEnded: 1_005_000 },
    });
    expect(cancelled.run(context([exchange(obs, [never])]), {}).summary).toContain("kept reading");
    const early = journalEntry(paced(10), {
      outcome: "complete",
      t: { received: 1, responseEnded: 1_000_050 },
    });
    expect(cancelled.run(context([exchange(obs, [early])]), {}).status).toBe("not-applicable");
  });

  test("no-stale-tokens finds the first request's words in the second answer", () => {
    const first = exchange(cleanStream(), [journalEntry([{ at: 1, text: "alpha-01 " }])]);
    const second = exchange(
      sseObservation([
        { at: 5, data: chunkData("bravo-01 alpha-01 ") },
        { at: 6, data: "[DONE]" },
      ]),
    );
    expect(noStale.run(context([first, second]), {}).status).toBe("fail");
  });

  test("no-rejected-parameter reads the journal bodies", () => {
    const entry = journalEntry(paced(1), { body: { stream: true, stream_options: { include_usage: true } } });
    expect(noRejected.run(context([exchange(cleanStream(), [entry])]), {}).status).toBe("fail");
    expect(noRejected.run(context([exchange(cleanStream(), [journalEntry(paced(1))])]), {}).status).toBe(
      "pass",
    );
  });

  test("backend-logged-failure and backend-survived", () => {
    const ctx = context([exchange(cleanStream())]);
    expect(loggedFailure.run(ctx, {}).status).toBe("fail");
    expect(
      loggedFailure.run({ ...ctx, backendLogs: [{ t: 1, line: "ERROR upstream 401", source: "stderr" }] }, {})
        .status,
    ).toBe("pass");
    expect(survived.run({ ...ctx, backendAlive: false }, {}).summary).toContain("exited");
    expect(survived.run({ ...ctx, followUp: exchange(cleanStream()) }, {}).status).toBe("pass");
  });

  test("timely-give-up: a probe timeout fails, an answer inside the bound passes", () => {
    const timedOut = sseObservation([], { end: "timeout", terminator: false });
    expect(timely.run(context([exchange(timedOut)]), {}).status).toBe("fail");
    const answered = sseObservation([], {
      status: 504,
      headers: [["Content-Type", "application/json"]],
      body: "{}",
    });
    expect(timely.run(context([exchange(answered)]), {}).status).toBe("pass");
  });

  describe("no pass for a check that judged nothing", () => {
    // Each of these passed before: a check that looked at nothing said "pass", and the scenario
    // could be green for it.
    test("no-false-error-marker: no response, no matched provider call, a provider that refused", () => {
      const none = { ...cleanStream(), response: undefined, end: { kind: "connect-failed" as const, t: 1 } };
      expect(noFalseMarker.run(context([exchange(none, [journalEntry(paced(1))])]), {})).toMatchObject({
        status: "not-applicable",
        summary: "no response reached the client (connect-failed), so there was no answer to mark",
      });
      expect(noFalseMarker.run(context([exchange(cleanStream(), [])]), {}).summary).toContain(
        "no provider call was matched to this request",
      );
      const rejected = journalEntry([], { status: 400, outcome: "complete" });
      const marked = sseObservation([{ at: 5, data: '{"error":{"message":"stream_options rejected"}}' }]);
      expect(noFalseMarker.run(context([exchange(marked, [rejected])]), {})).toMatchObject({
        status: "not-applicable",
        summary: "the provider did not answer this request (400), so an error marker would not be false",
      });
      expect(noFalseMarker.run(context([exchange(cleanStream(), [journalEntry(paced(1))])]), {}).status).toBe(
        "pass",
      );
    });

    test("no-rejected-parameter: no provider call at all is not applicable", () => {
      const outcome = noRejected.run(context([exchange(cleanStream(), [])]), {});
      expect(outcome).toMatchObject({
        status: "not-applicable",
        summary: 'the backend made no provider call, so none could carry "stream_options"',
      });
    });

    test("no-stale-tokens: a second request that received no text is not applicable", () => {
      const first = exchange(cleanStream(), [journalEntry([{ at: 1, text: "alpha-01 " }])]);
      const empty = exchange(sseObservation([], { status: 409, body: '{"detail":"superseded"}' }));
      expect(noStale.run(context([first, empty]), {}).summary).toBe(
        "request 2 received no answer text, so no token could leak into it",
      );
    });
  });

  test("upstream-cancelled says what ended the client's interest: it left, it was cut, it was superseded", () => {
    const streaming = journalEntry(paced(200), {
      outcome: "client-closed",
      clientClose: { t: 1_000_150, how: "fin", duringResponse: true },
    });
    const left = sseObservation([{ at: 5, data: chunkData("a") }], {
      end: "client-disconnect",
      terminator: false,
    });
    left.disconnect = { reason: "after 4 text reads", t: 1_000_100 };
    expect(cancelled.run(context([exchange(left, [streaming])]), {}).summary).toBe(
      "the provider call was cancelled 50 ms after the client left (after 4 text reads) (bound 1500 ms)",
    );
    // A session's second request: nobody left, the first request was superseded.
    const first = exchange(sseObservation([{ at: 5, data: chunkData("a") }]), [
      journalEntry(paced(200), { outcome: "complete", t: { received: 1, responseEnded: 1_005_000 } }),
    ]);
    const second = exchange(cleanStream());
    second.observation.startedAt = 1_000_100;
    expect(cancelled.run(context([first, second]), { after: "next-request" }).summary).toBe(
      "the backend kept reading the provider after the next request on the same session superseded it (fake outcome: complete)",
    );
    expect(cancelled.run(context([first]), { after: "next-request" }).summary).toBe(
      "no later request on the same session was made, so nothing superseded this one",
    );
    const cut = sseObservation([{ at: 5, data: chunkData("a") }], { end: "rst", terminator: false });
    expect(cancelled.run(context([exchange(cut, [streaming])]), { after: "probe-end" }).summary).toContain(
      "after the network cut the stream (the client saw it end: rst)",
    );
    expect(cancelled.run(context([exchange(cleanStream(), [streaming])]), {}).summary).toBe(
      "the client never left: the response ended (complete) before its disconnect trigger",
    );
  });

  test("error-marker-after-failure names the provider's failure it did not mark", () => {
    const unmarked = sseObservation([{ at: 5, data: chunkData("a") }], { terminator: false });
    const failed = journalEntry(paced(1), {
      outcome: "fault",
      faults: [{ fault: "fin", at: "event:5", t: 1 }],
    });
    expect(errorMarker.run(context([exchange(unmarked, [failed])]), {}).summary).toContain(
      "the provider failed mid-stream (fin at event:5) but the response carried no openai-relay error marker",
    );
  });
});
