import { INTERRUPTED } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/**
 * Resets the connection (TCP RST, "connection reset by peer") `timeout` ms after the first data (or
 * the end) reaches it; that data is dropped. Once counting, removing the toxic does not stop the
 * reset, as with upstream's uninterruptible wait.
 */
export const resetPeer = registerToxic({
  type: "reset_peer",
  goStruct: "ResetToxic",
  attributes: [["timeout", "int64"]],
  async pipe(stub, { timeout }) {
    const first = await stub.read();
    if (first === INTERRUPTED) return;
    await stub.sleepThroughInterrupts(timeout);
    stub.close("rst");
  },
});
