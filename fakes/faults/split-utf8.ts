import { z } from "zod";
import { tokenEvent } from "../providers/shared.ts";
import type { PlannedEvent } from "../types.ts";
import { defineFault, STREAM_PHASES } from "./fault.ts";

const multibyte = (text: string | undefined) => text !== undefined && /[^\x00-\x7f]/.test(text);

/**
 * Splits a multibyte UTF-8 character across two writes (two chunks on the wire): decoders that
 * turn each chunk into a string on its own produce U+FFFD. The next content token carrying a
 * non-ASCII character is split; if it has none, a token `char` is inserted before it.
 */
export const splitUtf8 = defineFault({
  name: "split-utf8",
  summary: "write the next content event with a multibyte character split across two writes",
  params: z.strictObject({
    char: z
      .string()
      .regex(/^[^\x00-\x7f]+$/, 'must be non-ASCII text, e.g. "é"')
      .default("é"),
    gapMs: z.number().int().nonnegative().default(2),
  }),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(params, control) {
    const candidate = control.findUpcoming((e) => e.kind === "content");
    let target: PlannedEvent;
    if (candidate && multibyte(candidate.text)) target = candidate;
    else {
      target = tokenEvent(params.char ?? "é");
      control.insertBefore(candidate, target);
    }
    control.splitNextWrite(splitInsideCharacter, params.gapMs ?? 2, (e) => e === target);
    return "continue";
  },
});

/** Cuts right after the lead byte of the first multibyte sequence. */
function splitInsideCharacter(bytes: Buffer): Buffer[] {
  const lead = bytes.findIndex((b) => b >= 0xc0);
  if (lead < 0) return [bytes];
  return [bytes.subarray(0, lead + 1), bytes.subarray(lead + 1)];
}
