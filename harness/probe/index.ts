/**
 * The probe: the client side of every scenario. `runProbe()` writes one HTTP/1.1 request on a raw
 * socket and returns a `ProbeObservation` (observation.ts): every read with its time, the framing as
 * decoded, how the connection ended, and three views on the same bytes (SSE via eventsource-parser,
 * UTF-8 text, and what an undici fetch() consumer would have seen). Checks read observations through
 * the small pure helpers below instead of re-parsing bytes.
 */
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
export type {
  ProbeChunk,
  ProbeEndKind,
  ProbeInterimResponse,
  ProbeObservation,
  ProbeRead,
  SseEventView,
} from "./observation.ts";
export type { PieceCounter, ProbeDisconnect, ProbeOptions } from "./options.ts";
export { runProbe } from "./run-probe.ts";
