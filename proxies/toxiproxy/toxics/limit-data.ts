import { INTERRUPTED } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

interface LimitDataState {
  transmitted: number;
}

/** Closes the connection once `bytes` bytes went through; the count survives updates of the toxic. */
export const limitData = registerToxic({
  type: "limit_data",
  goStruct: "LimitDataToxic",
  attributes: [["bytes", "int64"]],
  newState: (): LimitDataState => ({ transmitted: 0 }),
  async pipe(stub, { bytes }) {
    const state = stub.state as LimitDataState;
    for (;;) {
      const chunk = await stub.read();
      if (chunk === INTERRUPTED) return;
      if (chunk === null) return stub.close();
      const remaining = Math.max(0, bytes - state.transmitted);
      const data = remaining < chunk.data.length ? chunk.data.subarray(0, remaining) : chunk.data;
      if (data.length > 0) {
        state.transmitted += data.length;
        await stub.send(data === chunk.data ? chunk : { data, at: chunk.at });
      }
      if (bytes - state.transmitted <= 0) return stub.close();
    }
  },
});
