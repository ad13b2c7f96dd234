import { describe, expect, test } from "vitest";
import type { BrowserEvidence, ProbeObservation } from "../probe/observation.ts";
import eventsourceNoReplay from "./eventsource-no-replay.ts";
import { chunkData, context, exchange, journalEntry, sseObservation } from "./testing/builders.ts";

const base = sseObservation([{ at: 5, data: chunkData("a") }], { terminator: false });
type EsLife = NonNullable<BrowserEvidence["eventSource"]>;

/** What the browser client reports when its page read the stream with EventSource. */
function onEventSource(life: Partial<EsLife>): ProbeObservation {
  return {
    ...base,
    client: "browser",
    fetchView: { outcome: "not-run" },
    browser: {
      api: "eventsource",
      chromium: "156.0.8078.114",
      outcome: "error",
      clock: { offsetMs: 0, uncertaintyMs: 0.1 },
      eventSource: {
        path: "/stream?q=hi",
        events: 1,
        opens: [base.startedAt + 1],
        errors: [],
        reconnects: 0,
        requestsSent: 1,
        closedBecause: "done-signal",
        ...life,
      },
    },
  };
}

const judge = (observation: ProbeObservation, providerCalls = 1) =>
  eventsourceNoReplay.run(
    context(
      [
        exchange(
          observation,
          Array.from({ length: providerCalls }, () => journalEntry([{ at: 5, text: "a" }])),
        ),
      ],
      { client: observation.client ?? "h1" },
    ),
    {},
  );

describe("eventsource-no-replay", () => {
  test("a page that closed on the end signal, or an EventSource that failed for good, passes", () => {
    expect(judge(onEventSource({}))).toMatchObject({ status: "pass", summary: /sent once/ });
    expect(judge(onEventSource({ closedBecause: "failed", errors: [{ t: 1, readyState: 2 }] })).status).toBe(
      "pass",
    );
  });

  test("a reconnect, or a request sent again that never opened, fails with the provider calls", () => {
    const t0 = base.startedAt;
    const reconnected = judge(
      onEventSource({
        opens: [t0 + 1, t0 + 3100],
        errors: [{ t: t0 + 100, readyState: 0 }],
        reconnects: 1,
        requestsSent: 2,
        closedBecause: "reconnected",
      }),
      2,
    );
    expect(reconnected.status).toBe("fail");
    expect(reconnected.summary).toMatch(
      /re-sent the request 1 time\(s\) by itself 3000ms after the stream ended.*provider was called 2 time\(s\)/,
    );
    expect(reconnected.evidence?.find((e) => e.label === "EventSource")?.value).toMatch(
      /sent the request 2 time\(s\); error 1: readyState CONNECTING/,
    );
    // The re-sent request was answered 502: no second open, still a second request.
    const resentOnly = judge(onEventSource({ requestsSent: 2, closedBecause: "failed" }));
    expect(resentOnly.status).toBe("fail");
  });

  test("not applicable, with why, when the page could not or did not get to use EventSource", () => {
    const fetchPage: ProbeObservation = {
      ...base,
      client: "browser",
      browser: {
        api: "fetch",
        chromium: "156",
        outcome: "complete",
        clock: { offsetMs: 0, uncertaintyMs: 0 },
        eventSourceNotApplicable: 'contract "openai-relay" sends POST /v1/chat/completions',
      },
    };
    expect(judge(fetchPage)).toMatchObject({
      status: "not-applicable",
      summary: /used fetch\(\), not EventSource: contract "openai-relay" sends POST/,
    });
    expect(judge(onEventSource({ closedBecause: "disconnect" })).status).toBe("not-applicable");
    expect(judge(onEventSource({ closedBecause: "timeout" })).status).toBe("not-applicable");
    expect(eventsourceNoReplay.cannotJudge).toMatchObject({ h1: expect.any(String), h2: expect.any(String) });
  });
});
