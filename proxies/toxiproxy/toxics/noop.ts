import { INTERRUPTED, type ToxicStub } from "../stream/toxic-stub.ts";
import { registerToxic } from "./toxic.ts";

/** Passes everything through; also what a stub runs when the toxicity roll spares a connection. */
export async function passThrough(stub: ToxicStub): Promise<void> {
  for (;;) {
    const chunk = await stub.read();
    if (chunk === INTERRUPTED) return;
    if (chunk === null) return stub.close();
    await stub.send(chunk);
  }
}

export const noop = registerToxic({ type: "noop", goStruct: "NoopToxic", attributes: [], pipe: passThrough });
