import type { Browser, Page } from "playwright-core";
import { now } from "../../../lib/clock.ts";
import { StreamchaosError, UserError } from "../../../lib/errors.ts";
import { BodyText, isEventStream, SseRecorder } from "../internal/body-views.ts";
import { ProbeTimers } from "../internal/timers.ts";
import type {
  BrowserEvidence,
  ProbeEndKind,
  ProbeObservation,
  ProbeRead,
  SseEventView,
} from "../observation.ts";
import { resolveProbeOptions } from "../options.ts";
import type { BrowserRequestOptions } from "./browser-request-options.ts";
import {
  ABORT_FUNCTION,
  PAGE_SCRIPT,
  type PageReport,
  type PageScriptArgs,
  type PageScriptResult,
  REPORT_BINDING,
} from "./page-script.ts";

/** Where the page is served: intercepted by the harness, same origin as the edge. */
export const CLIENT_PAGE_PATH = "/__streamchaos/client";
// The empty icon keeps Chromium from asking the edge (and so the backend) for /favicon.ico.
const CLIENT_PAGE =
  '<!doctype html><meta charset=utf-8><link rel=icon href="data:,"><title>streamchaos browser client</title>';
/** Room for the page to hand back its last reports once the request is over. */
const SETTLE_MS = 5_000;
/** After a Ctrl-C, how long the page gets to abort by itself before its context is closed under it. */
const INTERRUPT_GRACE_MS = 1_000;
const DEFAULT_RECONNECT_WINDOW_MS = 5_000;

/**
 * One request in a fresh browser context (no cache, cookies or connections shared with the last),
 * observed from inside the page. Resolves for anything the server or network does; a browser that
 * dies under it is a StreamchaosError, bad options a UserError.
 */
export async function runBrowserRequest(
  browser: Browser,
  chromiumVersion: string,
  options: BrowserRequestOptions,
): Promise<ProbeObservation> {
  const o = resolveProbeOptions(options, "h2");
  const api = options.api ?? "fetch";
  if (
    api === "eventsource" &&
    (o.method !== "GET" || o.body !== undefined || Object.keys(o.headers).length > 0)
  ) {
    throw new UserError("BROWSER_EVENTSOURCE_UNSUITED", {
      what: `EventSource cannot send ${o.method} ${o.url.pathname}${o.body === undefined ? "" : " with a body"}${Object.keys(o.headers).length ? " with headers" : ""}`,
      why: "EventSource only makes GET requests, with no body and no headers of the page's choosing",
      fix: "Use the fetch api for this contract, or give the EventSource a GET endpoint.",
    });
  }
  if (options.signal?.aborted) throw interruptedError(o, options.signal);
  const context = await browser.newContext();
  let graceTimer: NodeJS.Timeout | undefined;
  const onInterrupt = () => {
    // Reached once the page exists: before that, the checks below stop the request.
    interrupt?.();
    graceTimer = setTimeout(() => void context.close().catch(() => {}), INTERRUPT_GRACE_MS);
  };
  let interrupt: (() => void) | undefined;
  options.signal?.addEventListener("abort", onInterrupt, { once: true });
  try {
    const page = await context.newPage();
    const reports: PageReport[] = [];
    let reportWaiter: (() => void) | undefined;
    await page.exposeBinding(REPORT_BINDING, (_source, report: PageReport) => {
      reports.push(report);
      onReport(report);
      reportWaiter?.();
    });
    // EventSource never shows the page its response; the DevTools protocol does. It also shows
    // every time the browser sent the request, a reconnect's included, whatever came of it.
    let esResponse: EsResponse | undefined;
    let requestsSent = 0;
    if (api === "eventsource") {
      page.on("request", (r) => {
        if (r.url() === o.url.href) requestsSent++;
      });
      page.on("response", (r) => {
        if (esResponse === undefined && r.url() === o.url.href)
          esResponse = {
            t: now(),
            status: r.status(),
            statusText: r.statusText(),
            headers: Object.entries(r.headers()),
          };
      });
    }
    const origin = o.url.origin;
    await page.route(`${origin}${CLIENT_PAGE_PATH}`, (route) =>
      route.fulfill({ status: 200, contentType: "text/html", body: CLIENT_PAGE }),
    );
    await page.goto(`${origin}${CLIENT_PAGE_PATH}`);
    if (options.signal?.aborted) throw interruptedError(o, options.signal);
    // Only the page is intercepted, and not even that any more: the request below goes out untouched.
    await page.unroute(`${origin}${CLIENT_PAGE_PATH}`);
    const clock = await measureClock(page);
    const toOurs = (t: number) => t - clock.offsetMs;

    // Live view of the body, for the hang-up triggers (as the probe's).
    const text = new BodyText();
    let bodyBytes = 0;
    let events = 0;
    let hungUp: { reason: string; t: number } | undefined;
    let timedOut: string | undefined;
    const timers = new ProbeTimers();
    const abort = (reason: "timeout" | "disconnect" | "done-signal") => {
      page.evaluate(`window.${ABORT_FUNCTION}?.(${JSON.stringify(reason)})`).catch(() => {});
    };
    const hangUp = (reason: string) => {
      if (hungUp || timedOut) return;
      hungUp = { reason, t: now() };
      abort("disconnect");
    };
    const giveUp = (why: string) => {
      if (hungUp || timedOut) return;
      timedOut = why;
      abort("timeout");
    };
    const armIdle = () => {
      if (o.idleTimeoutMs === undefined) return;
      const ms = o.idleTimeoutMs;
      timers.idle(ms, () => giveUp(`idle: nothing reached the page for ${ms}ms`));
    };
    const sseCounter = new SseRecorder((count) => {
      events = count;
    });
    interrupt = () => hangUp(`on an interrupt (${String(options.signal?.reason ?? "aborted")})`);
    // Between the stream's end and the browser's reconnect the total timeout must not stop the
    // page: whether the request is sent again is what the EventSource view is for.
    let awaitingReconnect = false;
    const esEvents: SseEventView[] = [];
    let closedByApp = false;
    const d = o.disconnect;
    function onReport(report: PageReport): void {
      if (report.kind === "fetch-called") {
        armIdle();
        if (d?.beforeFirstByte) hangUp("before the first response byte");
        if (d?.afterMs !== undefined)
          timers.after(d.afterMs, () => hangUp(`${d.afterMs}ms after the request`));
      } else if (report.kind === "response") {
        if (d?.afterBytes === 0 || d?.afterEvents === 0 || d?.afterPieces?.count === 0)
          hangUp("after the headers");
      } else if (report.kind === "chunk") {
        armIdle();
        const bytes = Buffer.from(report.b64, "base64");
        bodyBytes += bytes.length;
        sseCounter.feed(text.push(bytes), 0);
        if (d?.afterBytes !== undefined && bodyBytes >= d.afterBytes) hangUp(`after ${bodyBytes} body bytes`);
        if (d?.afterPieces) {
          const count = d.afterPieces.counter.push(bytes);
          if (count >= d.afterPieces.count) hangUp(`after ${count} ${d.afterPieces.counter.unit}`);
        }
        if (d?.afterEvents !== undefined && events >= d.afterEvents) hangUp(`after ${events} SSE events`);
      } else if (report.kind === "es-message") {
        armIdle();
        events++;
        if (d?.afterEvents !== undefined && events >= d.afterEvents) hangUp(`after ${events} SSE events`);
        const event: SseEventView = { t: report.t, data: report.data };
        if (report.type !== "message") event.event = report.type;
        esEvents.push(event);
        const closeWhy = closedByApp ? undefined : options.eventSource?.closeWhen?.(esEvents);
        if (closeWhy !== undefined && !hungUp && !timedOut) {
          closedByApp = true;
          abort("done-signal");
        }
      } else if (report.kind === "es-error") {
        timers.cancelIdle();
        awaitingReconnect = report.readyState !== 2;
      } else if (report.kind === "es-open") {
        awaitingReconnect = false;
      }
    }
    timers.after(o.timeoutMs, () => {
      if (!awaitingReconnect) giveUp(`total timeout ${o.timeoutMs}ms`);
    });

    const reconnectWindowMs = options.eventSource?.reconnectWindowMs ?? DEFAULT_RECONNECT_WINDOW_MS;
    const args: PageScriptArgs = {
      api,
      path: `${o.url.pathname}${o.url.search}`,
      method: o.method,
      headers: o.headers,
      body: o.body ?? null,
      eventTypes: options.eventSource?.eventTypes ?? ["message"],
      closeOnData: options.eventSource?.closeOnData ?? null,
      closeOnEvent: options.eventSource?.closeOnEvent ?? null,
      reconnectWindowMs,
    };
    const startedAt = now();
    let result: PageScriptResult;
    try {
      result = await withDeadline(
        page.evaluate(`(${PAGE_SCRIPT})(${JSON.stringify(args)})`) as Promise<PageScriptResult>,
        o.timeoutMs + (api === "eventsource" ? reconnectWindowMs : 0) + SETTLE_MS,
        "the page script did not return after its own timeout",
      );
      await withDeadline(
        new Promise<void>((resolve) => {
          reportWaiter = () => reports.length >= result.reports && resolve();
          reportWaiter();
        }),
        SETTLE_MS,
        `the page sent ${result.reports} reports, ${reports.length} arrived`,
      );
    } catch (cause) {
      if (options.signal?.aborted) throw interruptedError(o, options.signal);
      throw new StreamchaosError("BROWSER_REQUEST_FAILED", {
        what: `The browser client could not run ${o.method} ${o.url.href}`,
        why: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    } finally {
      timers.clear();
    }
    reports.sort((a, b) => a.seq - b.seq);
    return buildObservation({
      o,
      api,
      chromiumVersion,
      startedAt,
      reports,
      toOurs,
      clock,
      nextHopProtocol: result.nextHopProtocol,
      hungUp,
      timedOut,
      esResponse,
      requestsSent,
      ...(options.eventSourceNotApplicable
        ? { eventSourceNotApplicable: options.eventSourceNotApplicable }
        : {}),
    });
  } finally {
    options.signal?.removeEventListener("abort", onInterrupt);
    clearTimeout(graceTimer);
    await context.close().catch(() => {});
  }
}

function interruptedError(o: ReturnType<typeof resolveProbeOptions>, signal: AbortSignal): StreamchaosError {
  return new StreamchaosError("BROWSER_REQUEST_INTERRUPTED", {
    what: `The browser client's ${o.method} ${o.url.href} was interrupted`,
    why: String(signal.reason ?? "aborted"),
  });
}

/**
 * Page time minus ours, from the round trip with the least delay of a few: both clocks are epoch
 * milliseconds, but each process took its time origin from the wall clock at its own start.
 */
async function measureClock(page: Page): Promise<BrowserEvidence["clock"]> {
  let best: BrowserEvidence["clock"] | undefined;
  for (let i = 0; i < 3; i++) {
    const before = now();
    const pageNow = (await page.evaluate("performance.timeOrigin + performance.now()")) as number;
    const after = now();
    const uncertaintyMs = (after - before) / 2;
    if (!best || uncertaintyMs < best.uncertaintyMs)
      best = { offsetMs: pageNow - (before + after) / 2, uncertaintyMs };
  }
  return best!;
}

function withDeadline<T>(promise: Promise<T>, ms: number, why: string): Promise<T> {
  let handle: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    handle = setTimeout(() => reject(new Error(`${why} (${ms}ms)`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(handle));
}

interface EsResponse {
  t: number;
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
}

interface BuildInput {
  o: ReturnType<typeof resolveProbeOptions>;
  api: "fetch" | "eventsource";
  chromiumVersion: string;
  startedAt: number;
  reports: PageReport[];
  toOurs: (t: number) => number;
  clock: BrowserEvidence["clock"];
  nextHopProtocol: string | undefined;
  hungUp: { reason: string; t: number } | undefined;
  timedOut: string | undefined;
  esResponse: EsResponse | undefined;
  /** EventSource: how many times Chromium sent the request (a reconnect's included). */
  requestsSent: number;
  eventSourceNotApplicable?: string;
}

/** The page's reports as a ProbeObservation: what reached the page, when, and how it ended for it. */
function buildObservation(input: BuildInput): ProbeObservation {
  const { o, api, reports, toOurs } = input;
  const text = new BodyText();
  const bodyReads: ProbeRead[] = [];
  const esEvents: SseEventView[] = [];
  const opens: number[] = [];
  const esErrors: Array<{ t: number; readyState: number }> = [];
  let response: ProbeObservation["response"];
  let sse: SseRecorder | undefined;
  let doneAt: number | undefined;
  let error: BrowserEvidence["error"];
  let closed: { t: number; why: string } | undefined;
  let calledAt: number | undefined;
  for (const report of reports) {
    const t = toOurs(report.t);
    switch (report.kind) {
      case "fetch-called":
        calledAt = t;
        break;
      case "response": {
        response = {
          statusCode: report.status,
          statusText: report.statusText,
          httpVersion: input.nextHopProtocol === "h2" ? "2" : "1.1",
          headers: report.headers,
          headersAt: t,
          framing: "opaque",
        };
        const contentType = report.headers.find(([n]) => n === "content-type")?.[1];
        if (o.sse === "always" || (o.sse === "auto" && isEventStream(contentType))) sse = new SseRecorder();
        break;
      }
      case "chunk": {
        const bytes = Buffer.from(report.b64, "base64");
        bodyReads.push({ t, bytes });
        const piece = text.push(bytes);
        sse?.feed(piece, t);
        break;
      }
      case "done":
        doneAt = t;
        break;
      case "error":
        error = { name: report.name, message: report.message, t, phase: report.phase };
        break;
      case "es-open":
        opens.push(t);
        break;
      case "es-message": {
        const event: SseEventView = { t, data: report.data };
        if (report.type !== "message") event.event = report.type;
        if (report.lastEventId) event.id = report.lastEventId;
        esEvents.push(event);
        break;
      }
      case "es-error":
        esErrors.push({ t, readyState: report.readyState });
        break;
      case "es-closed":
        closed = { t, why: report.why };
        break;
    }
  }
  if (input.esResponse) {
    const r = input.esResponse;
    response = {
      statusCode: r.status,
      statusText: r.statusText,
      httpVersion: input.nextHopProtocol === "h2" ? "2" : "1.1",
      headers: r.headers,
      headersAt: r.t,
      framing: "opaque",
    };
  }
  const tail = text.finish();
  if (tail) sse?.feed(tail, bodyReads.at(-1)?.t ?? input.startedAt);
  const fullText = text.text();
  const body = Buffer.concat(bodyReads.map((r) => r.bytes));
  const lastT = Math.max(input.startedAt, ...reports.map((r) => toOurs(r.t)));

  const evidence: BrowserEvidence = {
    api,
    chromium: input.chromiumVersion,
    outcome: "complete",
    clock: input.clock,
  };
  if (input.nextHopProtocol) evidence.nextHopProtocol = input.nextHopProtocol;
  let end: ProbeObservation["end"];
  const endAs = (kind: ProbeEndKind, t: number, detail?: string) =>
    detail === undefined ? { kind, t } : { kind, t, detail };

  if (api === "fetch") {
    if (input.hungUp) {
      evidence.outcome = "aborted";
      end = endAs("client-disconnect", input.hungUp.t, `the page aborted the fetch ${input.hungUp.reason}`);
    } else if (input.timedOut) {
      evidence.outcome = "timeout";
      end = endAs("timeout", error?.t ?? lastT, input.timedOut);
    } else if (error) {
      evidence.outcome = "error";
      const where =
        error.phase === "fetch"
          ? "fetch() rejected before a response"
          : `the body reader threw after ${body.length} bytes`;
      end = endAs("network-error", error.t, `${where}: ${error.name}: ${error.message}`);
    } else if (doneAt !== undefined) {
      end = endAs("clean", doneAt);
    } else {
      evidence.outcome = "error";
      end = endAs("network-error", lastT, "the page script ended without a result");
    }
    if (error) evidence.error = error;
    if (input.eventSourceNotApplicable) evidence.eventSourceNotApplicable = input.eventSourceNotApplicable;
  } else {
    const why = (closed?.why ?? "timeout") as NonNullable<BrowserEvidence["eventSource"]>["closedBecause"];
    evidence.eventSource = {
      path: `${o.url.pathname}${o.url.search}`,
      events: esEvents.length,
      opens,
      errors: esErrors,
      reconnects: Math.max(0, opens.length - 1),
      requestsSent: input.requestsSent,
      closedBecause: why,
    };
    const firstError = esErrors[0];
    if (why === "done-signal") {
      evidence.outcome = "closed-by-page";
      end = endAs("clean", closed!.t, "the page closed the EventSource on its done signal");
    } else if (why === "disconnect" && input.hungUp) {
      evidence.outcome = "aborted";
      end = endAs(
        "client-disconnect",
        input.hungUp.t,
        `the page closed the EventSource ${input.hungUp.reason}`,
      );
    } else if (why === "timeout" || input.timedOut) {
      evidence.outcome = "timeout";
      end = endAs("timeout", closed?.t ?? lastT, input.timedOut ?? "timeout");
    } else {
      // EventSource reports a clean end and a broken stream alike: an `error` event, then (unless
      // the status or content type was wrong) a reconnect that sends the request again.
      evidence.outcome = "error";
      const state =
        firstError?.readyState === 2 ? "CLOSED: failed for good" : "CONNECTING: the browser reconnects";
      const after =
        why === "reconnected"
          ? `; it reconnected and re-sent the request ${Math.round(opens[1]! - (firstError?.t ?? opens[0]!))}ms later`
          : why === "no-reconnect"
            ? "; no reconnect within the window"
            : "";
      end = endAs("network-error", firstError?.t ?? lastT, `EventSource error (readyState ${state})${after}`);
    }
  }

  const sseView: ProbeObservation["sse"] =
    api === "eventsource"
      ? { events: esEvents, comments: [], errors: [], applied: true }
      : (sse?.view(fullText, true) ?? { events: [], comments: [], errors: [], applied: false });

  const observation: ProbeObservation = {
    client: "browser",
    request: { method: o.method, url: o.url.href, headers: o.headers },
    // When the page called fetch() (or opened the EventSource), not when we asked it to.
    startedAt: calledAt ?? input.startedAt,
    reads: bodyReads,
    chunks: [],
    body,
    bodyReads,
    terminatorSeen: api === "fetch" && doneAt !== undefined && !input.hungUp,
    complete: end.kind === "clean",
    end,
    sse: sseView,
    text: fullText,
    fetchView: { outcome: "not-run" },
    browser: evidence,
  };
  if (o.body !== undefined) observation.request.body = o.body;
  if (response) observation.response = response;
  const first = bodyReads[0]?.t ?? esEvents[0]?.t;
  if (first !== undefined) {
    observation.firstByteAt = response?.headersAt ?? first;
    observation.firstBodyByteAt = first;
  }
  if (input.hungUp) observation.disconnect = input.hungUp;
  return observation;
}
