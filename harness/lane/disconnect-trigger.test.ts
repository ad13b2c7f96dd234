import { describe, expect, test } from "vitest";
import { defineContract } from "../contracts/index.ts";
import { openaiRelay } from "../contracts/openai-relay.ts";
import { textMarker } from "../contracts/text-marker.ts";
import { probeDisconnect } from "./disconnect-trigger.ts";

describe("probeDisconnect: a scenario's 'leave after N events' on the backend's framing", () => {
  test("SSE: the probe counts events itself", () => {
    expect(probeDisconnect(openaiRelay(), { afterEvents: 4 })).toEqual({ afterEvents: 4 });
  });

  test("text/plain: N text reads; bytes and time pass through unchanged", () => {
    const trigger = probeDisconnect(textMarker(), { afterEvents: 4, afterMs: 900 });
    expect(trigger.afterEvents).toBeUndefined();
    expect(trigger.afterMs).toBe(900);
    expect(trigger.afterPieces?.count).toBe(4);
    expect(trigger.afterPieces?.counter.unit).toBe("text reads");
    expect(probeDisconnect(textMarker(), { afterBytes: 10 })).toEqual({ afterBytes: 10 });
  });

  test("NDJSON: lines; a contract's own counter wins", () => {
    const ndjson = defineContract({ ...textMarker(), name: "n", framing: "ndjson" });
    expect(probeDisconnect(ndjson, { afterEvents: 2 }).afterPieces?.counter.unit).toBe("NDJSON lines");
    const own = defineContract({
      ...textMarker(),
      pieceCounter: () => ({ unit: "frames", push: () => 0 }),
    });
    expect(probeDisconnect(own, { afterEvents: 2 }).afterPieces?.counter.unit).toBe("frames");
  });
});
