import type { Cassette } from "../cassette.ts";

/** An imported exchange, ready for `CassetteDir.save`. */
export interface ImportedCassette {
  cassette: Cassette;
  /** What the file name's slug is made from (the request path, or "capture"). */
  slugOf: string;
}
