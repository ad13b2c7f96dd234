import type { SseEventView } from "../observation.ts";
import type { ProbeDisconnect } from "../options.ts";

// Apart from browser-request.ts on purpose: the public types reach these options, and that file's
// declarations import playwright-core, an optional peer. A user without it and without skipLibCheck
// would get an error from our .d.ts for a feature they never use.
export interface BrowserRequestOptions {
  /**
   * `https://host:port/path?query` on the edge's TLS listener. The page is loaded at that origin
   * (intercepted, it never reaches the edge) and the request itself goes through the edge for real.
   */
  url: string;
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON (with `Content-Type: application/json` unless set). */
  body?: string | object;
  /** `fetch` (default): `fetch()` and `response.body.getReader()`. `eventsource`: `new EventSource(url)`, GET only. */
  api?: "fetch" | "eventsource";
  /** Total time, default 60 000 ms. */
  timeoutMs?: number;
  /** No chunk (fetch) or event (EventSource) for this long ends it as a timeout. */
  idleTimeoutMs?: number;
  /** The page aborts the fetch (or closes the EventSource), as a user pressing Stop. `mode` does not apply. */
  disconnect?: ProbeDisconnect;
  sse?: "auto" | "always" | "never";
  /** A Ctrl-C: the page aborts its request at once (and the context closes soon after if it hangs). */
  signal?: AbortSignal;
  /**
   * With the fetch api: why EventSource could not be used for this request (a POST-only contract),
   * kept in the evidence so a check of EventSource says not applicable with the reason.
   */
  eventSourceNotApplicable?: string;
  eventSource?: {
    /** Event types to listen for (named SSE events only reach listeners of that name). Default ["message"]. */
    eventTypes?: string[];
    /** Close the EventSource when an event's data is exactly this (e.g. "[DONE]"), as a careful app does. */
    closeOnData?: string;
    /** Close it on an event of this type (e.g. "done"). */
    closeOnEvent?: string;
    /** After the stream ends, how long to wait for the browser to reconnect by itself (default 5000 ms). */
    reconnectWindowMs?: number;
    /**
     * Decides, from the events so far, that the page's app would close the EventSource now (its
     * contract's done signal or error marker), returning why. Runs here, not in the page: the page
     * cannot run a contract. The close reaches the page a round trip later (a few ms), long before
     * a reconnect (Chromium waits about 3 s, or the server's `retry:`).
     */
    closeWhen?: (events: SseEventView[]) => string | undefined;
  };
}
