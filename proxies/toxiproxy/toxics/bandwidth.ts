import { now } from "../../../lib/clock.ts";
import { INTERRUPTED } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/** Limits throughput to `rate` KB/s (1 KB = 1000 bytes, as upstream computes it). */
export const bandwidth = registerToxic({
  type: "bandwidth",
  goStruct: "BandwidthToxic",
  attributes: [["rate", "int64"]],
  async pipe(stub, { rate }) {
    // Owed sleep in ms; it goes negative when a timer fires late, so the next chunk catches up.
    let owed = 0;
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      if (rate <= 0) {
        // Upstream never lets a byte through at rate 0 (or below); hold it until the toxic changes.
        while (await stub.sleep(100)) {}
        stub.forward(chunk);
        return;
      }
      owed += chunk.data.length / rate;
      let data = chunk.data;
      // A big chunk at a low rate goes out in 100 ms slices instead of one late burst.
      const slice = rate * 100;
      while (data.length > slice) {
        if (!(await stub.sleep(100))) {
          stub.forward({ data, at: chunk.at });
          return;
        }
        await stub.send({ data: data.subarray(0, slice), at: chunk.at });
        data = data.subarray(slice);
        owed -= 100;
      }
      const start = now();
      if (!(await stub.sleep(owed))) {
        stub.forward({ data, at: chunk.at });
        return;
      }
      owed -= now() - start;
      await stub.send({ data, at: chunk.at });
    }
  },
});
