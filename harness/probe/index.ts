/**
 * The probe: the client side of every scenario. `runProbe()` writes one HTTP/1.1 request on a raw
 * socket and returns a `ProbeObservation` (observation.ts): every read with its time, the framing as
 * decoded, how the connection ended, and three views on the same bytes (SSE via eventsource-parser,
 * UTF-8 text, and what an undici fetch() consumer would have seen). `runH2Probe()` does the same over
 * HTTP/2 on TLS, reading the frames itself (END_STREAM, RST_STREAM and its code, GOAWAY). Checks read
 * observations through the small pure helpers below instead of re-parsing bytes. The browser client
 * (`launchBrowserClient`, one headless Chromium per run) runs the request in a real page with fetch()
 * or EventSource and returns the same shape, with what the page saw and caught in `browser`.
 */
export type { BrowserRequestOptions } from "./browser/browser-request-options.ts";
export {
  type BrowserClientOptions,
  type BrowserLaunch,
  CHROMIUM_INSTALL,
  type ChromiumAvailability,
  chromiumAvailable,
  launchBrowserClient,
  type StartedBrowser,
} from "./browser/chromium.ts";
export { CLIENTS, type ClientInfo, clientsNeedTls, DEFAULT_CLIENTS, resolveClients } from "./clients.ts";
export { describeError, type ReplayInput, replayThroughFetch } from "./fetch-view.ts";
export {
  bodyReadGaps,
  describeBytes,
  headerValue,
  headerValues,
  rawTail,
  sseEventsAfter,
  timeToFirstBodyByte,
} from "./helpers.ts";
export { unterminatedTail } from "./internal/body-views.ts";
export { describeFrame } from "./internal/h2-frames.ts";
export type {
  BrowserEvidence,
  H2Evidence,
  H2Frame,
  H2StreamEnd,
  ProbeChunk,
  ProbeClientName,
  ProbeEndKind,
  ProbeInterimResponse,
  ProbeObservation,
  ProbeRead,
  SseEventView,
} from "./observation.ts";
export type { PieceCounter, ProbeDisconnect, ProbeOptions } from "./options.ts";
export { type H2ProbeOptions, runH2Probe } from "./run-h2-probe.ts";
export { runProbe } from "./run-probe.ts";
