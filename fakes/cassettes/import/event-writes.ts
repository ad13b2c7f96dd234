import { encodeBytes } from "../bytes.ts";
import { type CassetteWrite, roundMs } from "../cassette.ts";
import { framingOf, splitBody } from "../framing/framing.ts";

/**
 * Writes for a body captured without its write boundaries (a HAR, a curl capture): one write per
 * event, so a replay still sends event by event. With a receive window (HAR's timings.receive) the
 * writes are spread evenly over it, the last at its end; without one, every write is at `from`.
 */
export function eventWrites(
  body: Buffer,
  contentType: string | undefined,
  from: number,
  receiveMs?: number,
): CassetteWrite[] {
  const events = splitBody(framingOf(contentType, body), body);
  return events.map((event, i) => ({
    t: receiveMs === undefined ? roundMs(from) : roundMs(from + (receiveMs * (i + 1)) / events.length),
    ...encodeBytes(body.subarray(event.offset, event.offset + event.length)),
  }));
}
