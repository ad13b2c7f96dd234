import { z } from "zod";
import { defineFault, STREAM_PHASES } from "./fault.ts";

/**
 * The body cut off mid-stream (fault mode 4): what an upstream crash looks like to the SUT.
 * `fin` ends the raw socket with no terminating chunk; `rst` resets it.
 */
export const fin = defineFault({
  name: "fin",
  summary: "close the socket (FIN) without the terminating chunk",
  params: z.strictObject({}),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(_params, control) {
    await control.fin();
    return "done";
  },
});

export const rst = defineFault({
  name: "rst",
  summary: "reset the connection (TCP RST) mid-body, `settleMs` after the last write (so the peer read it)",
  params: z.strictObject({ settleMs: z.number().int().nonnegative().default(25) }),
  defaultPhase: "mid-stream",
  phases: STREAM_PHASES,
  positional: true,
  async fire(params, control) {
    await control.rst(params.settleMs ?? 25);
    return "done";
  },
});
