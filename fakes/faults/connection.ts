import { z } from "zod";
import { defineFault } from "./fault.ts";

/** Connection-level failures before any response byte: the three ways a socket can go. */

/**
 * Real ECONNREFUSED needs the listener closed, so the server does that while this step is in the
 * default script (fakes/server.ts). A matched per-request script can only reset the accepted socket.
 */
export const refuseConnection = defineFault({
  name: "refuse-connection",
  summary: "the provider port refuses connections (ECONNREFUSED) while this script is the default",
  params: z.strictObject({}),
  defaultPhase: "pre-stream",
  phases: ["pre-stream"],
  positional: false,
  async fire(_params, control) {
    await control.rst();
    return "done";
  },
});

export const resetBeforeHeaders = defineFault({
  name: "reset-before-headers",
  summary: "reset the connection (TCP RST) before sending headers",
  params: z.strictObject({}),
  defaultPhase: "pre-stream",
  phases: ["pre-stream"],
  positional: false,
  async fire(_params, control) {
    await control.rst();
    return "done";
  },
});

export const closeBeforeHeaders = defineFault({
  name: "close-before-headers",
  summary: "close the connection (FIN) before sending headers",
  params: z.strictObject({}),
  defaultPhase: "pre-stream",
  phases: ["pre-stream"],
  positional: false,
  async fire(_params, control) {
    await control.fin();
    return "done";
  },
});
