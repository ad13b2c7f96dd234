import { INTERRUPTED } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/** Holds the close of the stream for `delay` ms after the end arrived; data passes untouched. */
export const slowClose = registerToxic({
  type: "slow_close",
  goStruct: "SlowCloseToxic",
  attributes: [["delay", "int64"]],
  async pipe(stub, { delay }) {
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) {
        if (await stub.sleep(delay)) return stub.close();
        // Interrupted while holding the close: give the end back so the next toxic sees it.
        stub.unread(null);
        return;
      }
      await stub.send(chunk);
    }
  },
});
