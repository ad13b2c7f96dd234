/**
 * Cassettes: recorded exchanges with a provider, byte for byte and write by write (README.md here,
 * the format in cassette.schema.json). Recorded by `record/`, imported from HAR and raw captures by
 * `import/`, read back by `loadCassette`, cut into events by `cassetteEvents`.
 */
export { type CassetteBody, cassetteBody, type WriteSpan, writeAt } from "./body.ts";
export { decodeBytes, encodeBytes } from "./bytes.ts";
export {
  CASSETTE_SUFFIX,
  CASSETTE_VERSION,
  type Cassette,
  type CassetteBytes,
  type CassetteEnd,
  type CassetteHeader,
  type CassetteProvider,
  type CassetteWrite,
  cassetteJsonSchema,
  cassetteSchema,
  type EndHow,
} from "./cassette.ts";
export { CassetteDir } from "./cassette-dir.ts";
export { type CassetteEvent, type CassetteEvents, cassetteEvents } from "./events.ts";
export { formatCassette } from "./format.ts";
export type { FramedEvent } from "./framing/framed-event.ts";
export type { Framing } from "./framing/framing.ts";
export { headerValue } from "./headers.ts";
export { cassettesFromHar, looksLikeHar } from "./import/har.ts";
export type { ImportedCassette } from "./import/imported-cassette.ts";
export { cassetteFromRaw, type RawFormat } from "./import/raw.ts";
export { loadCassette, parseCassette } from "./load.ts";
export { withProvider } from "./recognize.ts";
export {
  type RecorderOptions,
  type SavedCassette,
  type StartedRecorder,
  startRecorder,
} from "./record/recorder.ts";
