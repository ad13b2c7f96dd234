import { INTERRUPTED, TIMED_OUT } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/**
 * Swallows all data; closes the connection once `timeout` ms pass with nothing arriving (upstream
 * re-arms its timer on every chunk). With 0 it never closes and keeps swallowing until removed;
 * removing it closes the connection, as upstream's cleanup does.
 */
export const timeout = registerToxic({
  type: "timeout",
  goStruct: "TimeoutToxic",
  attributes: [["timeout", "int64"]],
  async pipe(stub, { timeout }) {
    for (;;) {
      const chunk = timeout > 0 ? await stub.read(timeout) : await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null || chunk === TIMED_OUT) return stub.close();
    }
  },
  cleanup(stub) {
    stub.close();
  },
});
