/**
 * What runs inside the page: the request the way a user's chat UI makes it. Kept as plain JavaScript
 * text rather than a TypeScript function handed to `page.evaluate`: tsx and other loaders may wrap
 * functions in helpers (`__name`) that do not exist in the page.
 *
 * Every observation goes out through the `__streamchaosReport` binding as it happens, numbered, and
 * without waiting for an answer, so reporting never slows the reader down; the script resolves with
 * how many reports it sent, and the harness waits for that many before it reads them. The harness
 * stops it early through `__streamchaosAbort(reason)` (a hang-up, a timeout).
 */

/** Arguments the page script takes. */
export interface PageScriptArgs {
  api: "fetch" | "eventsource";
  /** Same-origin path with query: the page sits at the edge's origin. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  /** EventSource: event types to listen for, when to close as the app would, how long to wait for a reconnect. */
  eventTypes: string[];
  closeOnData: string | null;
  closeOnEvent: string | null;
  reconnectWindowMs: number;
}

/** A report from the page, in page-clock milliseconds. */
export type PageReport = { seq: number; t: number } & (
  | { kind: "fetch-called" }
  | { kind: "response"; status: number; statusText: string; headers: Array<[string, string]> }
  | { kind: "chunk"; b64: string }
  | { kind: "done" }
  | { kind: "error"; phase: "fetch" | "read"; name: string; message: string }
  | { kind: "es-open"; readyState: number }
  | { kind: "es-message"; type: string; data: string; lastEventId: string }
  | { kind: "es-error"; readyState: number }
  | { kind: "es-closed"; why: string }
);

export interface PageScriptResult {
  reports: number;
  nextHopProtocol: string | undefined;
}

export const REPORT_BINDING = "__streamchaosReport";
export const ABORT_FUNCTION = "__streamchaosAbort";

export const PAGE_SCRIPT = `async (args) => {
  const now = () => performance.timeOrigin + performance.now();
  let seq = 0;
  const report = (msg) => { msg.seq = seq++; if (msg.t === undefined) msg.t = now(); window.${REPORT_BINDING}(msg); };
  const base64 = (bytes) => {
    let s = "";
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  };
  // Chromium queues a fetch's resource-timing entry in a task after the body ends: the reader can
  // be done before it exists. Wait for it a little (it comes within a few ms) before saying unknown.
  const protocol = async () => {
    const url = new URL(args.path, location.href).href;
    for (let tries = 0; tries < 50; tries++) {
      const entry = performance.getEntriesByName(url).at(-1);
      if (entry) return entry.nextHopProtocol;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return undefined;
  };
  if (args.api === "fetch") {
    const controller = new AbortController();
    window.${ABORT_FUNCTION} = (reason) => controller.abort(reason);
    let response;
    try {
      const init = { method: args.method, headers: args.headers, signal: controller.signal, cache: "no-store" };
      if (args.body !== null) init.body = args.body;
      const pending = fetch(args.path, init);
      report({ kind: "fetch-called" });
      response = await pending;
    } catch (e) {
      report({ kind: "error", phase: "fetch", name: e.name, message: e.message });
      return { reports: seq, nextHopProtocol: await protocol() };
    }
    report({ kind: "response", status: response.status, statusText: response.statusText, headers: [...response.headers] });
    if (!response.body) {
      report({ kind: "done" });
      return { reports: seq, nextHopProtocol: await protocol() };
    }
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        const t = now();
        if (done) { report({ kind: "done", t }); break; }
        report({ kind: "chunk", t, b64: base64(value) });
      }
    } catch (e) {
      report({ kind: "error", phase: "read", name: e.name, message: e.message });
    }
    return { reports: seq, nextHopProtocol: await protocol() };
  }
  const source = new EventSource(args.path);
  report({ kind: "fetch-called" });
  await new Promise((resolve) => {
    let opens = 0;
    let windowTimer;
    let stopped = false;
    const stop = (why) => {
      if (stopped) return;
      stopped = true;
      source.close();
      clearTimeout(windowTimer);
      report({ kind: "es-closed", why });
      resolve();
    };
    window.${ABORT_FUNCTION} = (reason) =>
      stop(reason === "timeout" || reason === "done-signal" ? reason : "disconnect");
    source.onopen = () => {
      opens++;
      report({ kind: "es-open", readyState: source.readyState });
      // A second open is the browser re-sending the request by itself: that is what we came to see.
      if (opens > 1) stop("reconnected");
    };
    const onMessage = (event) => {
      report({ kind: "es-message", type: event.type, data: event.data, lastEventId: event.lastEventId });
      if ((args.closeOnData !== null && event.data === args.closeOnData) ||
          (args.closeOnEvent !== null && event.type === args.closeOnEvent)) stop("done-signal");
    };
    for (const type of args.eventTypes) source.addEventListener(type, onMessage);
    source.onerror = () => {
      report({ kind: "es-error", readyState: source.readyState });
      if (source.readyState === EventSource.CLOSED) { stop("failed"); return; }
      clearTimeout(windowTimer);
      windowTimer = setTimeout(() => stop("no-reconnect"), args.reconnectWindowMs);
    };
  });
  return { reports: seq, nextHopProtocol: await protocol() };
}`;
