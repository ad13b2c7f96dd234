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
export type { ProbeDisconnect, ProbeOptions } from "./options.ts";
export { runProbe } from "./run-probe.ts";
