import { now } from "../../../lib/clock.ts";
import { INTERRUPTED } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/** Delays every chunk by latency ± jitter ms, counted from when the proxy read it off the socket. */
export const latency = registerToxic({
  type: "latency",
  goStruct: "LatencyToxic",
  attributes: [
    ["latency", "int64"],
    ["jitter", "int64"],
  ],
  // Upstream buffers 1024 chunks so that a slow reader does not stall the sender while delaying.
  bufferSize: 1024,
  async pipe(stub, { latency, jitter }) {
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      const delay = latency + (jitter > 0 ? Math.floor(Math.random() * 2 * jitter) - jitter : 0);
      const wait = delay - (now() - chunk.at);
      if (!(await stub.sleep(wait))) {
        // Interrupted (the chain is changing): let it go now rather than lose it.
        stub.forward(chunk);
        return;
      }
      await stub.send(wait > 0 ? { data: chunk.data, at: chunk.at + wait } : chunk);
    }
  },
});
